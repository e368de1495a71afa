package dev.portcullis.platform;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the server's own pools: daemon threads (a stopping JVM never waits for them) with
 * names that say what they do, so a thread dump reads like the architecture.
 */
public final class Threads {
    private Threads() {
    }

    /** Every thread is called {@code name}: for single-thread pools. */
    public static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Threads are called {@code prefix-1}, {@code prefix-2}, ...: for pools of several. */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
