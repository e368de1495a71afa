package dev.portcullis.health;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether every part the server cannot serve without is still alive. A server whose WebSocket listener
 * died must not go on answering {@code /healthz} with 200: the first fatal failure is logged with its
 * cause, {@code /healthz} answers 503 from then on, and whoever waits on {@link #failed()} (the
 * command line) stops the process with a non-zero status so its supervisor restarts it.
 */
public final class Liveness {
    private static final Logger log = LoggerFactory.getLogger(Liveness.class);

    /** The first fatal failure, null while alive; set once by whichever thread saw it. */
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final CompletableFuture<String> failed = new CompletableFuture<>();

    /** Records that {@code what} died of {@code cause}; only the first such report counts. */
    public void fail(String what, Throwable cause) {
        if (failure.compareAndSet(null, what)) {
            log.error("FATAL: {}; the server cannot serve any more and stops", what, cause);
            failed.complete(what);
        }
    }

    /** What died first, or empty while everything is alive. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** Completes with what died, once something fatal has happened. */
    public CompletableFuture<String> failed() {
        return failed.copy();
    }

    /**
     * {@code task} for a periodic executor: an exception is logged and the next run still happens (an
     * escaping exception would cancel every later run in silence); an {@link Error} such as
     * {@link OutOfMemoryError} is fatal, since the task would never run again.
     */
    public Runnable guard(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("{} failed", what, e);
            } catch (Error e) {
                fail(what + " died", e);
                throw e;
            }
        };
    }
}
