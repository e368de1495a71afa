package dev.portcullis.bench;

import java.time.Duration;

/**
 * A client that measures round trips to a server until closed: {@link Probe} (the harness's own NIO client,
 * for both servers) or {@link ClientProbe} (Portcullis's Java client library, Portcullis only).
 */
interface RoundTrips extends AutoCloseable {
    /** Ends the current phase and starts the next: returns the samples recorded since the last call. */
    Histogram phase();

    /** Waits until the current phase has {@code n} samples, then ends it. */
    Histogram collect(long n, Duration timeout);

    /** Records for {@code duration}, then ends the phase. */
    Histogram collectFor(Duration duration);

    /** Throws if the probe has lost its connection or its answers stopped coming. */
    void check();

    /** Pings sent because an answer was late (the library client sends none). */
    long pings();

    @Override
    void close();

    /** The probe the options ask for: {@code --probe-client portcullis} uses the client library against Portcullis. */
    static RoundTrips open(Options options, Side side, long intervalNanos) {
        if (options.libraryProbe && side instanceof Side.Gated gated) {
            return new ClientProbe(gated, intervalNanos).open();
        }
        return new Probe(side, intervalNanos).open();
    }
}
