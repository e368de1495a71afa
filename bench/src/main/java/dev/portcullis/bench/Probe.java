package dev.portcullis.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One authenticated client on a loop of its own that measures round trips: it sends a message to a room
 * where it is alone (Portcullis) or to its echo (baseline), waits for it to come back, and sends the next
 * one {@code intervalNanos} later (0: at once). It runs until closed; {@link #phase()} starts a new
 * histogram and returns the finished one, so a scenario can cut the run into quiet and storm.
 */
final class Probe implements RoundTrips {
    static final String ROOM = "probe";
    /** No answer for this long means the server lost the message or the probe. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(15);
    /** An answer this late gets a Ping, which flushes a reply stuck in the server (WsClient#ping). */
    static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Loop loop = new Loop("probe");
    private final Side side;
    private final long intervalNanos;
    // Loop thread only.
    private WsClient client;
    private Histogram current = new Histogram();
    private long sentAt;
    private long sequence;
    private long answered;
    private volatile String failure;
    private volatile long pings;
    // Written by the loop thread, polled by others.
    private volatile long samples;
    private volatile long lastAnswer = System.nanoTime();

    Probe(Side side, long intervalNanos) {
        this.side = side;
        this.intervalNanos = intervalNanos;
    }

    /** Connects, authenticates and joins, then starts probing. */
    Probe open() {
        Opener opener = new Opener(loop, side, "/", 1, 1, true, ROOM, i -> new Echoes()).start()
                .await(Duration.ofSeconds(30));
        if (opener.ready() != 1) {
            throw new BenchException("the probe could not connect to " + side.name() + ": " + opener.firstFailure());
        }
        loop.call(() -> {
            client = opener.clients().get(0);
            send();
            return null;
        });
        return this;
    }

    /** Ends the current phase and starts the next: returns the samples recorded since the last call. */
    @Override
    public Histogram phase() {
        check();
        return loop.call(() -> {
            Histogram done = current;
            current = new Histogram();
            samples = 0;
            return done;
        });
    }

    @Override
    public long samples() {
        return samples;
    }

    @Override
    public String describe() {
        return "probe of " + side.name();
    }

    /** Throws if the probe has lost its connection or its answers stopped coming. */
    @Override
    public void check() {
        loop.check();
        String f = failure;
        if (f != null) {
            throw new BenchException("probe on " + side.name() + ": " + f);
        }
        if (System.nanoTime() - lastAnswer > STALL_NANOS) {
            throw new BenchException("probe on " + side.name() + ": no answer for "
                    + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s");
        }
    }

    /** Pings sent because an answer was {@link #LATE_NANOS} late. */
    @Override
    public long pings() {
        return pings;
    }

    private void send() {
        sentAt = System.nanoTime();
        long n = ++sequence;
        client.sendText(Side.probeMessage(ROOM, n));
        loop.schedule(LATE_NANOS, () -> rescue(n));
    }

    private void rescue(long n) {
        if (answered < n && client.isOpen()) {
            pings++;
            client.ping();
            loop.schedule(LATE_NANOS, () -> rescue(n));
        }
    }

    private final class Echoes implements WsHandler {
        @Override
        public void onText(WsClient c, byte[] a, int off, int len, long nanos) {
            if (!Side.isMessage(a, off, len)) {
                return;
            }
            current.record(nanos - sentAt);
            answered = sequence;
            samples++;
            lastAnswer = nanos;
            if (intervalNanos == 0) {
                send();
            } else {
                loop.schedule(intervalNanos, Probe.this::send);
            }
        }

        @Override
        public void onClose(WsClient c, int code, String reason, long nanos) {
            failure = "closed by the server: " + code + " " + reason;
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
