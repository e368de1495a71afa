package dev.portcullis.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

/**
 * Judges how long a step took against the same step measured earlier in the same test, so a loaded machine,
 * which slows both alike, cannot fail the test, while a server that has really become slow still does.
 */
public final class Slowdown {
    /** How many times its reference a step may take: wide, since one reference is a single sample. */
    public static final int FACTOR = 10;

    /** A step whose duration is measured; it may throw anything, which fails the test. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private Slowdown() {
    }

    /** Runs {@code step} and returns how long it took. */
    public static Duration time(Step step) throws Exception {
        long start = System.nanoTime();
        step.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Fails unless {@code measured} is within {@link #FACTOR} times {@code reference}, or within {@code floor}:
     * a reference from a quiet moment must not make the bound tighter than a plain generous limit.
     */
    public static void assertNotSlowerThan(Duration reference, Duration floor, Duration measured, String what) {
        Duration limit = reference.multipliedBy(FACTOR);
        if (limit.compareTo(floor) < 0) {
            limit = floor;
        }
        assertTrue(measured.compareTo(limit) <= 0, what + " took " + measured.toMillis() + " ms; the same step took "
                + reference.toMillis() + " ms before, so the limit was " + limit.toMillis() + " ms");
    }
}
