package dev.portcullis.session;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's messages, handled one at a time in arrival order even when handling one waits for the
 * cluster's shared state (protocol.md §2: replies come in the order of the messages they answer). With the
 * in-process engine every step completes at once and a message is handled on the thread that read it.
 */
public final class Inbox {
    private static final Logger log = LoggerFactory.getLogger(Inbox.class);

    private final int capacity;
    /** Guarded by this: completes when the last accepted message has been handled; null before the first. */
    private CompletableFuture<Void> tail;
    /** Guarded by this: messages accepted and not yet handled. */
    private int pending;

    public Inbox(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Handles {@code step} after every message accepted before it; false, with nothing done, when
     * {@code capacity} messages are already waiting.
     */
    public boolean submit(Supplier<? extends CompletionStage<?>> step) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> previous;
        synchronized (this) {
            if (pending >= capacity) {
                return false;
            }
            pending++;
            previous = tail;
            tail = done;
        }
        // Not under the lock: with a completed predecessor the step runs right here.
        (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous).thenCompose(v -> run(step)).whenComplete((v, failure) -> {
            synchronized (this) {
                pending--;
            }
            done.complete(null);
        });
        return true;
    }

    private static CompletionStage<?> run(Supplier<? extends CompletionStage<?>> step) {
        try {
            return step.get().exceptionally(failure -> {
                log.error("a message step failed", failure);
                return null;
            });
        } catch (RuntimeException e) {
            log.error("a message step failed", e);
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Messages accepted and not yet handled. */
    public synchronized int pending() {
        return pending;
    }
}
