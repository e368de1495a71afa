package dev.portcullis.client;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Requests sent on the current connection that await their answer, oldest first. The server answers a
 * connection's requests in the order they were sent (protocol.md §2), each with exactly one reply:
 * {@code joined}, {@code left}, the sender's own relayed copy of a {@code message}, {@code refreshed},
 * or an {@code error}. So a reply belongs to the oldest request, and an {@code error} needs no room or
 * id to find its request (a rate-limited {@code join} carries neither). Only accessed on the event thread.
 */
final class Pending {
    enum Kind { JOIN, LEAVE, SEND, REFRESH }

    /**
     * Requests that may await an answer at once. Far above what the server's rate limit lets through
     * (protocol.md §12.1); past it the application is sending faster than the server answers, and rather
     * than queue without end (in the JDK's send queue too) new requests fail at once.
     */
    static final int MAX_PENDING = 10_000;

    /** A request: {@code key} is the room of a join or leave, the id of a message, null for a refresh. */
    record Request(Kind kind, String key, CompletableFuture<Object> reply) {
    }

    private final ArrayDeque<Request> queue = new ArrayDeque<>();

    boolean full() {
        return queue.size() >= MAX_PENDING;
    }

    <T> CompletableFuture<T> add(Kind kind, String key) {
        CompletableFuture<Object> reply = new CompletableFuture<>();
        queue.add(new Request(kind, key, reply));
        @SuppressWarnings("unchecked")
        CompletableFuture<T> typed = (CompletableFuture<T>) (CompletableFuture<?>) reply;
        return typed;
    }

    /**
     * Completes the oldest request with {@code value} if it is of {@code kind} with {@code key}; returns
     * whether it did. A relayed message that is not the oldest request's (another member's, or one of
     * this user's other connections) is room traffic, not a reply.
     */
    boolean answer(Kind kind, String key, Object value) {
        Request head = queue.peek();
        if (head == null || head.kind() != kind || !Objects.equals(head.key(), key)) {
            return false;
        }
        queue.poll().reply().complete(value);
        return true;
    }

    /** An {@code error} arrived: it answers the oldest request, whatever that is. Returns whether there was one. */
    boolean refuse(RequestRefusedException e) {
        Request head = queue.poll();
        if (head == null) {
            return false;
        }
        head.reply().completeExceptionally(e);
        return true;
    }

    /** The connection ended: nothing queued will be answered. */
    void failAll(PortcullisException e) {
        List<Request> all = List.copyOf(queue);
        queue.clear();
        for (Request r : all) {
            r.reply().completeExceptionally(e);
        }
    }
}
