package dev.portcullis.bench;

import dev.portcullis.client.PortcullisClient;
import dev.portcullis.client.RoomMessage;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * {@link Probe}'s measurement made with Portcullis's own Java client library ({@link PortcullisClient}, on
 * the JDK's HttpClient WebSocket): authenticates with the side's token, joins the probe's room, and times
 * each {@code send} from the call to the completion of its future (the relayed copy of the message).
 * Portcullis only: the library speaks the Portcullis protocol, which the bare baseline does not.
 * Selected with {@code --probe-client portcullis}; BENCHMARKS.md says why it is not the default.
 */
final class ClientProbe implements RoundTrips {
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final PortcullisClient client;
    private final long intervalNanos;
    private final Executor later;
    // Guarded by this: completions arrive on the client's event thread, phases are cut on the scenario's.
    private Histogram current = new Histogram();
    private long samples;
    private volatile String failure;
    private volatile long lastAnswer = System.nanoTime();
    private volatile boolean closed;
    private long sequence;

    ClientProbe(Side.Gated side, long intervalNanos) {
        this.intervalNanos = intervalNanos;
        this.later = CompletableFuture.delayedExecutor(Math.max(1, intervalNanos), TimeUnit.NANOSECONDS);
        String token = side.token();
        this.client = PortcullisClient.builder()
                .wsUri(URI.create("ws://127.0.0.1:" + side.ws().getPort() + "/"))
                .tokenSupplier(() -> token)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    ClientProbe open() {
        try {
            client.connect();
            client.join(Probe.ROOM).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            client.close();
            throw new BenchException("the library probe could not connect to portcullis: " + e, e);
        }
        lastAnswer = System.nanoTime();
        send();
        return this;
    }

    private void send() {
        if (closed) {
            return;
        }
        long n = ++sequence;
        long sentAt = System.nanoTime();
        CompletableFuture<RoomMessage> answer;
        try {
            answer = client.send(Probe.ROOM, "{\"n\":" + n + "}", null);
        } catch (RuntimeException e) {
            failure = e.toString();
            return;
        }
        answer.whenComplete((m, e) -> {
            long now = System.nanoTime();
            if (e != null) {
                if (!closed) {
                    failure = e.toString();
                }
                return;
            }
            synchronized (this) {
                current.record(now - sentAt);
                samples++;
            }
            lastAnswer = now;
            if (intervalNanos == 0) {
                send();
            } else {
                later.execute(this::send);
            }
        });
    }

    @Override
    public synchronized Histogram phase() {
        check();
        Histogram done = current;
        current = new Histogram();
        samples = 0;
        return done;
    }

    @Override
    public synchronized long samples() {
        return samples;
    }

    @Override
    public String describe() {
        return "library probe of portcullis";
    }

    @Override
    public void check() {
        String f = failure;
        if (f != null) {
            throw new BenchException("library probe on portcullis: " + f);
        }
        if (System.nanoTime() - lastAnswer > STALL_NANOS) {
            throw new BenchException("library probe on portcullis: no answer for "
                    + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s");
        }
    }

    @Override
    public long pings() {
        return 0;
    }

    @Override
    public void close() {
        closed = true;
        client.close();
    }
}
