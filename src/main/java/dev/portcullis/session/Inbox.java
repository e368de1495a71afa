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
    private final long maxBytes;
    /** Guarded by this: completes when the last accepted message has been handled; null before the first. */
    private CompletableFuture<Void> tail;
    /** Guarded by this: messages accepted and not yet handled. */
    private int pending;
    /** Guarded by this: the memory those messages hold. */
    private long pendingBytes;

    /** At most {@code capacity} messages may wait, with no bound on their bytes. */
    public Inbox(int capacity) {
        this(capacity, Long.MAX_VALUE);
    }

    /** At most {@code capacity} messages may wait, holding at most {@code maxBytes} (one always may). */
    public Inbox(int capacity, long maxBytes) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
    }

    /** {@link #submit(long, Supplier)} for a step that holds no message text. */
    public boolean submit(Supplier<? extends CompletionStage<?>> step) {
        return submit(0, step);
    }

    /**
     * Handles {@code step}, which holds {@code bytes} until it is done, after every message accepted before it;
     * false, with nothing done, when {@code capacity} messages are already waiting or they and this one would
     * hold more than {@code maxBytes}.
     */
    public boolean submit(long bytes, Supplier<? extends CompletionStage<?>> step) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> previous;
        synchronized (this) {
            if (pending >= capacity || pending > 0 && pendingBytes + bytes > maxBytes) {
                return false;
            }
            pending++;
            pendingBytes += bytes;
            previous = tail;
            tail = done;
        }
        // Not under the lock: with a completed predecessor the step runs right here.
        (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous).thenCompose(v -> run(step)).whenComplete((v, failure) -> {
            synchronized (this) {
                pending--;
                pendingBytes -= bytes;
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

    /** The memory the messages accepted and not yet handled hold. */
    public synchronized long pendingBytes() {
        return pendingBytes;
    }
}
