package dev.portcullis.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.testing.RawHttp;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow and greedy clients of the HTTP API, protocol.md §7.7 and §10: requests that trickle in are cut off
 * at the request timeout, or sooner when an honest request needs their thread, and one address cannot hold
 * more than its share. Attackers are raw non-blocking sockets; the honest client is the JDK's HttpClient.
 */
class SlowHttpClientTest {
    /** How often an attacker sends its next byte: well inside any deadline, so only the deadline stops it. */
    private static final long TRICKLE_MILLIS = 200;
    /** The honest client's patience: far above what it needs, far below "for as long as they like". */
    private static final Duration HONEST_TIMEOUT = Duration.ofSeconds(5);

    @RegisterExtension
    final Servers servers = new Servers();

    /** One attacker's connection: the request it trickles, byte by byte, and what became of it. */
    private static final class Trickle implements AutoCloseable {
        final SocketChannel channel;
        final byte[] request;
        final long openedNanos = System.nanoTime();
        int sent;
        /** Nanoseconds from the first byte until the server closed the connection; -1 while open. */
        long closedAfterNanos = -1;
        /** Bytes the server sent back: a cut-off request gets none. */
        int answered;

        Trickle(String from, int port, String request) {
            this.request = request.getBytes(StandardCharsets.US_ASCII);
            try {
                channel = SocketChannel.open();
                channel.bind(new InetSocketAddress(from, 0));
                channel.connect(new InetSocketAddress("127.0.0.1", port));
                channel.configureBlocking(false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Sends the next byte and notes whether the server has closed; false once it has. */
        boolean tick() {
            if (closedAfterNanos >= 0) {
                return false;
            }
            try {
                ByteBuffer in = ByteBuffer.allocate(1024);
                int n = channel.read(in);
                if (n < 0) {
                    closedAfterNanos = System.nanoTime() - openedNanos;
                    return false;
                }
                answered += n;
                if (sent < request.length - 1) {
                    // Never the last byte: the request must stay incomplete.
                    channel.write(ByteBuffer.wrap(request, sent, 1));
                    sent++;
                }
                return true;
            } catch (IOException e) {
                // A reset: closed too.
                closedAfterNanos = System.nanoTime() - openedNanos;
                return false;
            }
        }

        boolean closed() {
            return closedAfterNanos >= 0;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** A request with its headers cut short, and a login whose 200-byte body never comes in full. */
    private static String slowRequest(int i) {
        return i % 2 == 0
                ? "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "a".repeat(4000) + "\r\n\r\n"
                : "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 200\r\n\r\n" + "b".repeat(200);
    }

    /** Attackers that each send a byte every {@link #TRICKLE_MILLIS}, and open a new one when one is closed. */
    private static final class Attack implements AutoCloseable {
        final List<Trickle> live = new ArrayList<>();
        final List<Trickle> ended = new ArrayList<>();
        /** Sends every live connection its next byte, once each {@link #TRICKLE_MILLIS}: the attacker's pace. */
        final ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "attacker"));

        Attack(String from, int port, int connections, boolean reconnect, Duration atMost) {
            for (int i = 0; i < connections; i++) {
                live.add(new Trickle(from, port, slowRequest(i)));
            }
            AtomicInteger opened = new AtomicInteger(connections);
            long end = System.nanoTime() + atMost.toNanos();
            pace.scheduleWithFixedDelay(() -> {
                // Bounded in time, whatever the test does.
                if (System.nanoTime() >= end) {
                    pace.shutdown();
                    return;
                }
                synchronized (this) {
                    for (int i = 0; i < live.size(); i++) {
                        Trickle t = live.get(i);
                        if (!t.tick()) {
                            ended.add(t);
                            if (reconnect) {
                                live.set(i, new Trickle(from, port, slowRequest(opened.incrementAndGet())));
                            } else {
                                live.remove(i--);
                            }
                        }
                    }
                }
            }, 0, TRICKLE_MILLIS, TimeUnit.MILLISECONDS);
        }

        synchronized List<Trickle> ended() {
            return List.copyOf(ended);
        }

        synchronized int live() {
            return live.size();
        }

        @Override
        public void close() throws Exception {
            pace.shutdownNow();
            pace.awaitTermination(5, TimeUnit.SECONDS);
            for (Trickle t : live) {
                t.close();
            }
            for (Trickle t : ended) {
                t.close();
            }
        }
    }

    private static long timed(HttpClient http, HttpRequest request, int expectedStatus) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(expectedStatus, r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return System.nanoTime() - start;
    }

    private static String millis(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format("median %.1f ms, max %.1f ms", sorted[sorted.length / 2] / 1e6, sorted[sorted.length - 1] / 1e6);
    }

    private static int port(TestServer server) {
        return server.httpUri("/").getPort();
    }

    @Test
    @DisplayName("§7.7: 12 connections trickling headers and bodies to 4 handler threads do not hold up login or /healthz")
    void tricklersDoNotStarveHonestClients() throws Exception {
        // The old defaults: 4 threads and no deadline to save them, so only cutting off the slowest helps.
        TestServer server = servers.start("--http-threads", "4");
        HttpClient http = HttpClient.newBuilder().connectTimeout(HONEST_TIMEOUT).build();
        HttpRequest login = HttpRequest.newBuilder(server.httpUri("/auth/login")).timeout(HONEST_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"alice\",\"password\":\"" + TestServer.PASSWORD + "\"}")).build();
        HttpRequest health = HttpRequest.newBuilder(server.httpUri("/healthz")).timeout(HONEST_TIMEOUT).GET().build();
        long[] quiet = new long[10];
        for (int i = 0; i < quiet.length; i++) {
            quiet[i] = timed(http, login, 200);
        }
        try (Attack attack = new Attack("127.0.0.2", port(server), 12, true, Duration.ofSeconds(60))) {
            // Every attacker has sent a few bytes, so each has been handed to a thread.
            await().atMost(Duration.ofSeconds(10)).until(() -> attack.live() == 12
                    && attack.ended().size() >= 8);
            long[] logins = new long[10];
            long[] healths = new long[10];
            for (int i = 0; i < logins.length; i++) {
                logins[i] = timed(http, login, 200);
                healths[i] = timed(http, health, 200);
            }
            System.out.printf("HTTP under 12 trickling connections, 4 threads: login before %s; during %s;"
                    + " /healthz during %s; attacker connections cut off %d%n",
                    millis(quiet), millis(logins), millis(healths), attack.ended().size());
            for (Trickle t : attack.ended()) {
                assertEquals(0, t.answered, "a cut-off request got an answer");
            }
        }
    }

    @Test
    @DisplayName("§7.7: a request whose headers or body have not arrived within --http-request-timeout is closed unanswered")
    void deadlineClosesSlowRequests() throws Exception {
        Duration timeout = Duration.ofSeconds(1);
        TestServer server = servers.start("--http-request-timeout", "1s");
        String healthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        try (Socket keepAlive = new Socket("127.0.0.1", port(server));
             Attack attack = new Attack("127.0.0.2", port(server), 4, false, Duration.ofSeconds(30))) {
            assertEquals(200, RawHttp.over(keepAlive, healthz).status());
            await().atMost(Duration.ofSeconds(10)).until(() -> attack.ended().size() == 4);
            for (Trickle t : attack.ended()) {
                assertEquals(0, t.answered, "a cut-off request got an answer");
                assertTrue(t.closedAfterNanos >= timeout.toNanos(), "closed before the deadline: " + t.closedAfterNanos);
                System.out.printf("slow request (%d bytes sent) closed after %.0f ms at a 1 s deadline%n", t.sent,
                        t.closedAfterNanos / 1e6);
            }
            // Idle between requests for longer than the deadline: arrival is timed from a request's first byte.
            assertEquals(200, RawHttp.over(keepAlive, healthz).status());
        }
        String metrics = server.send(HttpRequest.newBuilder(server.httpUri("/metrics")).GET().build()).body();
        assertTrue(metrics.contains("portcullis_http_refused_total{reason=\"timeout\"} 4"), metrics);
    }

    @Test
    @DisplayName("§7.7: one address holds at most --http-max-requests-per-ip requests; its next gets 429, others are served")
    void perAddressLimit() throws Exception {
        TestServer server = servers.start("--http-max-requests-per-ip", "2");
        String healthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        // Two logins whose headers are in and whose bodies trickle: both are past the guard, reading.
        List<Trickle> bodies = List.of(new Trickle("127.0.0.2", port(server), slowRequest(1)),
                new Trickle("127.0.0.2", port(server), slowRequest(3)));
        try {
            for (Trickle t : bodies) {
                // The headers and one byte of the body.
                t.sent = t.request.length - 199;
                t.channel.write(ByteBuffer.wrap(t.request, 0, t.sent));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> RawHttp.send("127.0.0.2", port(server), healthz).status() == 429);
            RawHttp.Answer refused = RawHttp.send("127.0.0.2", port(server), healthz);
            assertEquals(429, refused.status());
            assertEquals("1", refused.header("Retry-After"));
            assertEquals("{\"error\":\"too_many_requests\",\"message\":"
                    + "\"too many requests in progress from this address; retry shortly\"}\n", refused.body());
            // Another address is not held back.
            assertEquals(200, RawHttp.send("127.0.0.1", port(server), healthz).status());
            server.login("alice", TestServer.PASSWORD);
        } finally {
            for (Trickle t : bodies) {
                t.close();
            }
        }
        // Once they hang up the address has its share again.
        await().atMost(Duration.ofSeconds(5)).until(() -> RawHttp.send("127.0.0.2", port(server), healthz).status() == 200);
    }
}
