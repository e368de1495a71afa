package dev.portcullis.http;

import dev.portcullis.metrics.Metrics;
import dev.portcullis.platform.Threads;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP API's handler threads, with a deadline on each request's arrival (protocol.md §7, §10). The JDK
 * server reads a request's headers on the thread it hands the request to, and {@link Routes} reads the body
 * there too, so a client that trickles its bytes holds a thread. Each request therefore has the request
 * timeout from when a thread takes it up until {@link #finishedReading}; past it its thread is interrupted,
 * which closes the socket channel it reads from, and the JDK drops the connection without an answer. When
 * requests wait for a thread, the request that has been arriving the longest is cut off the same way to make
 * room, once it has been arriving for {@link #CUT_AFTER_MILLIS}: honest clients send a request at once, so
 * the one still arriving is the slow one. Requests wait in arrival order, and past
 * {@link #WAITING_PER_THREAD} per thread a new connection is refused, and the JDK closes it.
 *
 * <p>Only arrival is interrupted: once a request is in, handlers may touch files and Redis, whose channels an
 * interrupt would close. The JDK's own {@code sun.net.httpserver.maxReqTime} (on 17 and 25 alike) is not
 * used: it is a system property read once per JVM, in whole seconds, so it cannot follow each server's
 * configuration, and it frees no thread sooner when an honest request needs one.
 */
final class HandlerPool implements Executor, AutoCloseable {
    /**
     * Requests that may wait for a thread, per thread: enough that a few times more tricklers than threads
     * do not fill the queue and lock honest clients out, few enough that a request waits at most a few
     * {@link #CUT_AFTER_MILLIS} for its turn.
     */
    static final int WAITING_PER_THREAD = 4;
    /**
     * A request still arriving after this long may be cut off for a waiting one: longer than an honest request
     * takes to arrive, a TLS handshake on a slow link included, short enough that a waiting request is served
     * soon.
     */
    static final long CUT_AFTER_MILLIS = 250;
    /** Idle handler threads beyond need go away after this long. */
    private static final long IDLE_THREAD_SECONDS = 60;

    /** A request between a thread taking it up and {@link #finishedReading}, on the thread reading it. */
    private static final class Arrival {
        final Thread thread;
        final long startNanos = System.nanoTime();
        /** Set once, under the pool's lock, before the arrival becomes visible to the other threads. */
        ScheduledFuture<?> deadline;
        /** Cut off: its thread is interrupted and must not go on. Guarded by the pool's lock. */
        boolean cut;

        Arrival(Thread thread) {
            this.thread = thread;
        }
    }

    private final int threads;
    private final long timeoutNanos;
    private final Metrics metrics;
    private final ThreadPoolExecutor workers;
    /** Fires request deadlines and cut-offs; each task only interrupts threads. */
    private final ScheduledThreadPoolExecutor deadlines;
    /** The arrival the calling handler thread is reading; set and cleared by that thread. */
    private final ThreadLocal<Arrival> current = new ThreadLocal<>();
    private final Object lock = new Object();
    /**
     * Requests still arriving, oldest first. Guarded by {@link #lock}: handler threads add and remove their
     * own, the JDK's dispatcher thread and the deadline thread cut them off.
     */
    private final LinkedHashSet<Arrival> arriving = new LinkedHashSet<>();
    /** Requests accepted and not yet taken up by a thread. Guarded by {@link #lock}. */
    private int waiting;
    /** Requests on a thread, cut off ones included. Guarded by {@link #lock}. */
    private int running;
    /** Requests cut off whose thread has not let go of them yet: threads about to be free. Guarded by {@link #lock}. */
    private int freeing;
    /** Whether a cut-off check is scheduled for when the oldest arrival is old enough. Guarded by {@link #lock}. */
    private boolean checkScheduled;

    HandlerPool(int threads, Duration requestTimeout, Metrics metrics) {
        this.threads = threads;
        this.timeoutNanos = requestTimeout.toNanos();
        this.metrics = metrics;
        // FIFO, and unbounded here because execute() bounds what enters it.
        this.workers = new ThreadPoolExecutor(threads, threads, IDLE_THREAD_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), Threads.numbered("http"));
        this.workers.allowCoreThreadTimeOut(true);
        this.deadlines = new ScheduledThreadPoolExecutor(1, Threads.named("http-deadlines"));
        // Nearly every deadline is cancelled; without this they would sit in the queue until they expire.
        this.deadlines.setRemoveOnCancelPolicy(true);
    }

    /**
     * Called by the JDK's dispatcher thread for every request whose first byte has arrived; never blocks.
     * Throws {@link RejectedExecutionException}, on which the JDK closes the connection, when the waiting
     * requests are at their limit.
     */
    @Override
    public void execute(Runnable exchange) {
        synchronized (lock) {
            if (running + waiting >= threads * (1 + WAITING_PER_THREAD)) {
                metrics.httpRefused("no_thread");
                throw new RejectedExecutionException("every HTTP handler thread is busy and many requests wait");
            }
            waiting++;
            makeRoom();
        }
        try {
            workers.execute(() -> run(exchange));
        } catch (RejectedExecutionException e) {
            // Only after close(): the server is stopping.
            synchronized (lock) {
                waiting--;
            }
            throw e;
        }
    }

    private void run(Runnable exchange) {
        Arrival arrival = new Arrival(Thread.currentThread());
        synchronized (lock) {
            waiting--;
            running++;
            arrival.deadline = deadlines.schedule(() -> timedOut(arrival), timeoutNanos, TimeUnit.NANOSECONDS);
            arriving.add(arrival);
            // Requests that came while no thread had started reading yet found nothing to cut: look again.
            makeRoom();
        }
        current.set(arrival);
        try {
            exchange.run();
        } finally {
            current.remove();
            synchronized (lock) {
                if (arriving.remove(arrival)) {
                    arrival.deadline.cancel(false);
                }
                running--;
                if (arrival.cut) {
                    freeing--;
                }
            }
            // A cut that landed after the exchange's last read must not reach the next exchange on this thread.
            Thread.interrupted();
        }
    }

    /**
     * Ends the calling thread's arrival: its headers and body are in. False when it had already been cut
     * off, and its connection is closed; the caller then gives the exchange up.
     */
    boolean finishedReading() {
        Arrival arrival = current.get();
        if (arrival == null) {
            return true;
        }
        synchronized (lock) {
            if (arrival.cut) {
                return false;
            }
            if (arriving.remove(arrival)) {
                arrival.deadline.cancel(false);
            }
            return true;
        }
    }

    /**
     * Cuts off the oldest arrivals, those arriving for at least {@link #CUT_AFTER_MILLIS}, until every waiting
     * request has a thread that is free or about to be; when the oldest is too young, checks again once it is not.
     */
    private void makeRoom() {
        assert Thread.holdsLock(lock);
        int unserved = waiting - (threads - running) - freeing;
        while (unserved > 0 && !arriving.isEmpty()) {
            Arrival oldest = arriving.iterator().next();
            long age = System.nanoTime() - oldest.startNanos;
            long wait = TimeUnit.MILLISECONDS.toNanos(CUT_AFTER_MILLIS) - age;
            if (wait > 0) {
                if (!checkScheduled) {
                    checkScheduled = true;
                    deadlines.schedule(this::checkAgain, wait, TimeUnit.NANOSECONDS);
                }
                return;
            }
            cutOff(oldest);
            metrics.httpRefused("cut_off");
            unserved--;
        }
    }

    private void checkAgain() {
        synchronized (lock) {
            checkScheduled = false;
            makeRoom();
        }
    }

    private void timedOut(Arrival arrival) {
        synchronized (lock) {
            if (arriving.contains(arrival)) {
                cutOff(arrival);
                metrics.httpRefused("timeout");
            }
        }
    }

    /** Interrupts the reading thread: a thread blocked on (or next touching) a socket channel closes it. */
    private void cutOff(Arrival arrival) {
        assert Thread.holdsLock(lock);
        arriving.remove(arrival);
        arrival.deadline.cancel(false);
        arrival.cut = true;
        freeing++;
        arrival.thread.interrupt();
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(2, TimeUnit.SECONDS)) {
                // Interrupting closes the sockets of requests still arriving; handlers were given their 2 s.
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
