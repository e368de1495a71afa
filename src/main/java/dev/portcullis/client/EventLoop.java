package dev.portcullis.client;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The client's one event thread. Everything that changes the client's state runs here, so that state
 * needs no locks: socket events, timers (backoff, the wait for {@code auth_ok}) and the application's
 * requests are all tasks on it, in order. Once shut down it quietly drops new tasks.
 */
final class EventLoop {
    private static final System.Logger log = System.getLogger(EventLoop.class.getName());

    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread thread;

    EventLoop() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "portcullis-client@" + Integer.toHexString(System.identityHashCode(this)));
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        // A closed client's timers (backoff, auth_ok wait) must not fire after it has stopped.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on the event thread after the tasks already queued. Returns false, and drops the
     * task, if the loop has stopped: the client is closed.
     */
    boolean post(Runnable task) {
        try {
            executor.execute(() -> run(task));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs {@code task} on the event thread after {@code delay}; null if the loop has stopped. */
    ScheduledFuture<?> schedule(Duration delay, Runnable task) {
        try {
            return executor.schedule(() -> run(task), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /** Lets the queued tasks finish, then ends the thread. */
    void shutdown() {
        executor.shutdown();
    }

    boolean awaitTermination(Duration timeout) throws InterruptedException {
        return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A failing task must not end the thread or hide the failure. */
    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.ERROR, "portcullis client task failed", e);
        }
    }
}
