package dev.portcullis.websocket;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The connections that have not authenticated yet, oldest first, under one cap for the whole server: a
 * newcomer past the cap displaces the oldest, so connections that merely stay open cannot hold the door
 * shut against clients that authenticate promptly (protocol.md §12.6). Thread-safe: the selector thread
 * admits, worker threads and the scheduler remove.
 */
final class PendingConnections<T> {
    /** 0: no cap, and nothing is tracked. */
    private final int cap;
    private final Consumer<T> displace;
    private final Executor executor;
    /** Insertion order is age order. Guarded by itself. */
    private final LinkedHashSet<T> waiting = new LinkedHashSet<>();

    /** {@code displace} runs on {@code executor}, never on the thread that admits the newcomer. */
    PendingConnections(int cap, Consumer<T> displace, Executor executor) {
        if (cap < 0) {
            throw new IllegalArgumentException("cap must not be negative");
        }
        this.cap = cap;
        this.displace = displace;
        this.executor = executor;
    }

    /** Counts {@code connection} as pending; past the cap, the oldest pending one is displaced. */
    void admit(T connection) {
        if (cap == 0) {
            return;
        }
        T oldest;
        synchronized (waiting) {
            waiting.add(connection);
            if (waiting.size() <= cap) {
                return;
            }
            Iterator<T> first = waiting.iterator();
            oldest = first.next();
            first.remove();
        }
        executor.execute(() -> displace.accept(oldest));
    }

    /** It authenticated or went away; nothing happens if it was not counted (any more). */
    void remove(T connection) {
        if (cap == 0) {
            return;
        }
        synchronized (waiting) {
            waiting.remove(connection);
        }
    }

    int size() {
        synchronized (waiting) {
            return waiting.size();
        }
    }
}
