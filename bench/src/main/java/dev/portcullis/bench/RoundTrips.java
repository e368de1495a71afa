package dev.portcullis.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A client that measures round trips to a server until closed: {@link Probe} (the harness's own NIO client,
 * for both servers) or {@link ClientProbe} (Portcullis's Java client library, Portcullis only).
 */
interface RoundTrips extends AutoCloseable {
    /** Ends the current phase and starts the next: returns the samples recorded since the last call. */
    Histogram phase();

    /** Samples recorded in the current phase so far. */
    long samples();

    /** What the probe talks to, for messages. */
    String describe();

    /** Waits until the current phase has {@code n} samples, then ends it. */
    default Histogram collect(long n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (samples() < n) {
            check();
            if (System.nanoTime() - deadline > 0) {
                throw new BenchException("the " + describe() + " took more than " + timeout.toSeconds() + " s for " + n
                        + " round trips (" + samples() + " done)");
            }
            pause(5);
        }
        return phase();
    }

    /** Records for {@code duration}, then ends the phase. */
    default Histogram collectFor(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() - end < 0) {
            check();
            pause(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
        }
        return phase();
    }

    /** Throws if the probe has lost its connection or its answers stopped coming. */
    void check();

    /** Pings sent because an answer was late (the library client sends none). */
    long pings();

    @Override
    void close();

    /** The harness polls its probes from its own thread; they record on theirs. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }

    /** The probe the options ask for: {@code --probe-client portcullis} uses the client library against Portcullis. */
    static RoundTrips open(Options options, Side side, long intervalNanos) {
        if (options.libraryProbe && side instanceof Side.Gated gated) {
            return new ClientProbe(gated, intervalNanos).open();
        }
        return new Probe(side, intervalNanos).open();
    }
}
