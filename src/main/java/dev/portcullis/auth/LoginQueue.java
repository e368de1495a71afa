package dev.portcullis.auth;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login pool, fair between client addresses: an address holds at most its share of the places (its
 * logins running and waiting together), idle threads serve the waiting addresses in turn, one login each,
 * and when every place is taken a newcomer pushes out the newest waiting login of the address that holds
 * the most. So junk from some addresses neither fills the pool nor delays the logins of others.
 */
final class LoginQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoginQueue.class);
    /** Each address may hold an eighth of the places: a handful of addresses cannot take them all. */
    static final int ADDRESS_SHARE_DIVISOR = 8;
    /** Yet at least two, so one client's login and its retry both fit however small the pool. */
    static final int MIN_ADDRESS_SHARE = 2;

    /** One login: runs on a pool thread, or is refused (at once or when pushed out). */
    interface Job {
        /** The work; its outcome is kept for {@link #answer()}. */
        void run();

        /**
         * Hands the outcome on, called once the job's place is free again: a client answered at once may
         * send its next login and must find the place it just left.
         */
        void answer();

        void refuse(Refusal why);
    }

    /** Why a login found no place. */
    enum Refusal {
        /** Every thread is busy and every waiting place is taken by addresses holding no more than this one. */
        FULL,
        /** This address already holds its share of the places. */
        ADDRESS_SHARE
    }

    private final int places;
    private final int share;
    private final List<Thread> workers = new ArrayList<>();
    /** Guarded by this: the addresses with logins waiting, in the order they are served; each queue oldest first. */
    private final LinkedHashMap<String, ArrayDeque<Job>> waiting = new LinkedHashMap<>();
    /** Guarded by this: logins running or waiting, by address; an address is removed at zero. */
    private final Map<String, Integer> held = new HashMap<>();
    /** Guarded by this: logins running or waiting in all. */
    private int total;
    /** Guarded by this. */
    private boolean closed;

    LoginQueue(int threads, int queue, ThreadFactory factory) {
        this.places = threads + queue;
        this.share = addressShare(threads, queue);
        for (int i = 0; i < threads; i++) {
            Thread t = factory.newThread(this::work);
            workers.add(t);
            t.start();
        }
    }

    /** The places one address may hold: max(2, (threads + queue) / 8). */
    static int addressShare(int threads, int queue) {
        return Math.max(MIN_ADDRESS_SHARE, (threads + queue) / ADDRESS_SHARE_DIVISOR);
    }

    /** Queues {@code job} for {@code address}, or refuses it (on this thread, before returning). */
    void submit(String address, Job job) {
        Refusal refusal = null;
        Job pushedOut = null;
        synchronized (this) {
            int mine = held.getOrDefault(address, 0);
            if (closed) {
                refusal = Refusal.FULL;
            } else if (mine >= share) {
                refusal = Refusal.ADDRESS_SHARE;
            } else if (total >= places && (pushedOut = pushOutFor(mine)) == null) {
                refusal = Refusal.FULL;
            } else {
                held.merge(address, 1, Integer::sum);
                total++;
                waiting.computeIfAbsent(address, a -> new ArrayDeque<>()).addLast(job);
                notify();
            }
        }
        // Outside the lock: refusing completes a future, and its callbacks answer an HTTP exchange.
        if (pushedOut != null) {
            pushedOut.refuse(Refusal.FULL);
        }
        if (refusal != null) {
            job.refuse(refusal);
        }
    }

    /**
     * Takes back the newest waiting login of the address holding the most, if it holds at least two more
     * than {@code mine}: after the swap it still holds at least as many as the newcomer.
     */
    private Job pushOutFor(int mine) {
        String richest = null;
        int most = 0;
        for (String address : waiting.keySet()) {
            int n = held.get(address);
            if (n > most) {
                most = n;
                richest = address;
            }
        }
        if (richest == null || most < mine + 2) {
            return null;
        }
        ArrayDeque<Job> queue = waiting.get(richest);
        Job victim = queue.pollLast();
        if (queue.isEmpty()) {
            waiting.remove(richest);
        }
        release(richest);
        return victim;
    }

    private void work() {
        while (true) {
            Job job;
            String address;
            synchronized (this) {
                while (waiting.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                // Round robin: the first address gives one login and, if it has more, goes to the back.
                Iterator<Map.Entry<String, ArrayDeque<Job>>> first = waiting.entrySet().iterator();
                Map.Entry<String, ArrayDeque<Job>> next = first.next();
                first.remove();
                address = next.getKey();
                job = next.getValue().pollFirst();
                if (!next.getValue().isEmpty()) {
                    waiting.put(address, next.getValue());
                }
            }
            try {
                job.run();
            } catch (RuntimeException e) {
                // A job keeps its own failure for answer(); this only keeps the thread serving if one does not.
                log.error("a login job failed", e);
            } finally {
                synchronized (this) {
                    release(address);
                }
            }
            try {
                job.answer();
            } catch (RuntimeException e) {
                // A thread lost here would never be replaced: the pool would shrink until logins hang.
                log.error("answering a login failed", e);
            }
        }
    }

    /** Guarded by this. */
    private void release(String address) {
        held.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
        total--;
    }

    @Override
    public void close() {
        List<Job> dropped = new ArrayList<>();
        synchronized (this) {
            closed = true;
            waiting.values().forEach(dropped::addAll);
            waiting.clear();
            notifyAll();
        }
        workers.forEach(Thread::interrupt);
        dropped.forEach(j -> j.refuse(Refusal.FULL));
    }
}
