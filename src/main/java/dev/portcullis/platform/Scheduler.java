package dev.portcullis.platform;

import java.time.Duration;

/**
 * Runs tasks later: deadlines, expiry timers and closes that must leave the caller's thread. The server
 * runs it on a {@link java.util.concurrent.ScheduledExecutorService}; tests drive a fake with their clock.
 */
public interface Scheduler {
    /** A task that has not run yet; cancelling one that ran or was cancelled does nothing. */
    interface Task {
        void cancel();
    }

    /** Runs {@code task} once, {@code delay} from now. */
    Task schedule(Duration delay, Runnable task);

    /** Runs {@code task} soon, on the scheduler's thread rather than the caller's. */
    default void execute(Runnable task) {
        schedule(Duration.ZERO, task);
    }
}
