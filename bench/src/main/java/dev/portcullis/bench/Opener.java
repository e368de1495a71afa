package dev.portcullis.bench;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Opens {@code total} connections through one {@link Loop}, at most {@code window} of them still setting
 * up at a time. Setting up is TCP, the upgrade, then (if asked) the greeting and its answer, then (if a
 * room is given) the join and its answer. A connection that is set up is handed to the handler
 * {@code steady} makes for it; without one, it is held and only its close is counted.
 */
final class Opener {
    private final Loop loop;
    private final Side side;
    private final InetSocketAddress address;
    private final String path;
    private final int total;
    private final int window;
    private final boolean greet;
    private final byte[] join;
    private final IntFunction<WsHandler> steady;
    private final CountDownLatch settled = new CountDownLatch(1);

    // Loop thread only until settled; read by others after await().
    private final List<WsClient> clients;
    private final long[] openNanos;
    private final Histogram setupNanos = new Histogram();
    private int started;
    private int inFlight;
    private boolean filling;
    private long firstStart;
    private long lastReady;
    private String firstFailure;
    private volatile int ready;
    private volatile int failed;
    private volatile int closedAfterReady;
    private volatile int pings;

    Opener(Loop loop, Side side, String path, int total, int window, boolean greet, String room, IntFunction<WsHandler> steady) {
        this.loop = loop;
        this.side = side;
        this.address = side.ws();
        this.path = path;
        this.total = total;
        this.window = Math.max(1, window);
        this.greet = greet;
        this.join = room == null ? null : side.join(room);
        this.steady = steady;
        this.clients = new ArrayList<>(total);
        this.openNanos = new long[total];
        if (total == 0) {
            settled.countDown();
        }
    }

    /** Starts opening; returns at once. */
    Opener start() {
        loop.execute(() -> {
            firstStart = System.nanoTime();
            fill();
        });
        return this;
    }

    /** Waits until every connection is set up or has failed; throws when {@code timeout} runs out first. */
    Opener await(Duration timeout) {
        try {
            if (!settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new BenchException("opening " + total + " connections to " + side.name() + " took over "
                        + timeout.toSeconds() + " s: " + ready + " set up, " + failed + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
        loop.check();
        return this;
    }

    boolean settled() {
        return settled.getCount() == 0;
    }

    int ready() {
        return ready;
    }

    int failed() {
        return failed;
    }

    String firstFailure() {
        return firstFailure;
    }

    /** Pings sent to connections whose set-up answer was late (WsClient#ping). */
    int pings() {
        return pings;
    }

    /** Connections set up and then closed by the server. */
    int closedAfterReady() {
        return closedAfterReady;
    }

    /** Start of the first connect to the end of the last set-up, in nanoseconds. */
    long elapsedNanos() {
        return lastReady - firstStart;
    }

    Histogram setupNanos() {
        return setupNanos;
    }

    List<WsClient> clients() {
        return clients;
    }

    /** When connection {@code i} got its 101, as System.nanoTime(); 0 if it never did. */
    long openNanos(int i) {
        return openNanos[i];
    }

    private void fill() {
        if (filling) {
            return; // a connect that failed at once calls back in here
        }
        filling = true;
        try {
            while (inFlight < window && started < total) {
                int i = started++;
                inFlight++;
                clients.add(loop.connect(address, path, new Setup(i, System.nanoTime())));
            }
        } finally {
            filling = false;
        }
    }

    private void settle() {
        inFlight--;
        if (ready + failed == total) {
            settled.countDown();
        } else {
            fill();
        }
    }

    /** One connection until it is set up. */
    private final class Setup implements WsHandler {
        /** A set-up answer this late gets a Ping, which flushes a reply stuck in the server. */
        private static final long LATE_NANOS = 200_000_000L;
        private final int index;
        private final long startNanos;
        private boolean greeting;
        private boolean joining;
        /** Counts the steps taken, so a timer can tell whether its step is still waiting. */
        private int step;

        Setup(int index, long startNanos) {
            this.index = index;
            this.startNanos = startNanos;
        }

        @Override
        public void onOpen(WsClient client, long nanos) {
            openNanos[index] = nanos;
            if (greet) {
                greeting = true;
                client.sendText(side.greeting());
                watch(client);
            } else {
                done(client, nanos);
            }
        }

        @Override
        public void onText(WsClient client, byte[] a, int off, int len, long nanos) {
            if (greeting && side.greeted(a, off, len)) {
                greeting = false;
                if (join != null) {
                    joining = true;
                    client.sendText(join);
                    watch(client);
                } else {
                    done(client, nanos);
                }
            } else if (joining && side.joined(a, off, len)) {
                joining = false;
                done(client, nanos);
            } else {
                fail(client, "unexpected message while setting up: " + Texts.string(a, off, Math.min(len, 200)));
            }
        }

        @Override
        public void onClose(WsClient client, int code, String reason, long nanos) {
            fail(client, "closed while setting up: " + code + " " + reason);
        }

        private void watch(WsClient client) {
            int waitingFor = ++step;
            loop.schedule(LATE_NANOS, () -> late(client, waitingFor));
        }

        private void late(WsClient client, int waitingFor) {
            if (step == waitingFor && (greeting || joining) && client.isOpen()) {
                pings++;
                client.ping();
                loop.schedule(LATE_NANOS, () -> late(client, waitingFor));
            }
        }

        private void done(WsClient client, long nanos) {
            step++;
            setupNanos.record(nanos - startNanos);
            lastReady = nanos;
            WsHandler next = steady == null ? null : steady.apply(index);
            client.handler(next != null ? next : new Held());
            ready++;
            settle();
        }

        private void fail(WsClient client, String why) {
            step++;
            greeting = false;
            joining = false;
            if (firstFailure == null) {
                firstFailure = why;
            }
            client.abort();
            client.handler(new WsHandler() { });
            failed++;
            settle();
        }
    }

    /** A set-up connection nobody listens to: only its close is counted. */
    private final class Held implements WsHandler {
        @Override
        public void onClose(WsClient client, int code, String reason, long nanos) {
            closedAfterReady++;
        }
    }
}
