package dev.portcullis.testing;

import dev.portcullis.platform.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} that runs nothing by itself: {@link #advance(Duration)} moves the test's clock and
 * runs, on the test's thread, every task that has come due, in the order of their times (ties in the
 * order they were scheduled). Deadlines and timers are then tested in milliseconds, without waiting.
 */
public final class FakeScheduler implements Scheduler {
    private final MutableClock clock;
    /** Guarded by this. */
    private final PriorityQueue<Pending> queue = new PriorityQueue<>(
            Comparator.comparing(Pending::due).thenComparingLong(Pending::order));
    /** Guarded by this. */
    private long scheduled;

    public FakeScheduler(MutableClock clock) {
        this.clock = clock;
    }

    private static final class Pending implements Task {
        private final Instant due;
        private final long order;
        private final Runnable task;
        private volatile boolean cancelled;

        Pending(Instant due, long order, Runnable task) {
            this.due = due;
            this.order = order;
            this.task = task;
        }

        Instant due() {
            return due;
        }

        long order() {
            return order;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    @Override
    public synchronized Task schedule(Duration delay, Runnable task) {
        Pending p = new Pending(clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay), scheduled++, task);
        queue.add(p);
        return p;
    }

    /** Moves the clock by {@code d}, running each task as its time comes (a task may schedule more). */
    public void advance(Duration d) {
        Instant end = clock.instant().plus(d);
        while (true) {
            Pending next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due.isAfter(end)) {
                    break;
                }
                queue.poll();
            }
            if (next.due.isAfter(clock.instant())) {
                clock.set(next.due);
            }
            if (!next.cancelled) {
                next.task.run();
            }
        }
        clock.set(end);
    }

    /**
     * Runs the next task now, however far off it is, without moving the clock: a scheduler whose own time
     * ran ahead of the clock the server reads, as an executor's nanoTime can of a wall clock set back.
     */
    public void fireNext() {
        Pending next;
        synchronized (this) {
            do {
                next = queue.poll();
            } while (next != null && next.cancelled);
        }
        if (next != null) {
            next.task.run();
        }
    }

    /** Runs what is due now without moving the clock: the tasks handed to {@link #execute(Runnable)}. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** The tasks still waiting and not cancelled, for tests that check nothing is left behind. */
    public synchronized List<Instant> pending() {
        List<Instant> due = new ArrayList<>();
        for (Pending p : queue) {
            if (!p.cancelled) {
                due.add(p.due);
            }
        }
        due.sort(Comparator.naturalOrder());
        return due;
    }
}
