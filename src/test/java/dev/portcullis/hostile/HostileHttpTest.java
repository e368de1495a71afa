package dev.portcullis.hostile;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.RawHttp;
import dev.portcullis.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the HTTP API and the login path (protocol.md §7, §7.7, §12.5), against a server with a small
 * heap in a JVM of its own, each while an honest client logs in and sends messages: it must see no failure,
 * and the attacker the documented answer.
 */
class HostileHttpTest {
    /** Rounds of the honest client, a tenth of a second each, that an attack lasts. */
    private static final int ROUNDS = 30;

    @TempDir
    Path dir;
    SmallHeapServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("§7.7: requests that trickle in a byte at a time are cut off unanswered; honest logins go on")
    void slowHttpClients() throws Exception {
        server = SmallHeapServer.start(dir, 0, "--http-request-timeout", "2s");
        AtomicInteger cutOff = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        HonestClient.Report report = whileHonest(40, n -> {
            // One byte every 200 ms: a login request that would take a minute to arrive.
            String request = "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300\r\n\r\n" + "x".repeat(300);
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress("127.0.0." + (2 + n % 20), 0));
                s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()));
                s.setSoTimeout(200);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                for (byte b : request.getBytes(StandardCharsets.US_ASCII)) {
                    out.write(b);
                    out.flush();
                    try {
                        int r = in.read();
                        (r < 0 ? cutOff : answered).incrementAndGet();
                        return;
                    } catch (SocketTimeoutException stillOpen) {
                        // the server is still waiting for the rest: trickle on
                    }
                }
            } catch (IOException e) {
                cutOff.incrementAndGet(); // reset by the server: cut off too
            }
        });
        System.out.printf("slowHttpClients: %d trickling requests cut off, %d answered; %s%n", cutOff.get(),
                answered.get(), report);
        assertTrue(cutOff.get() > 0, "no trickling request was cut off");
        assertEquals(0, answered.get(), "a trickling request got an answer");
        assertServed(report);
    }

    @Test
    @DisplayName("§12.5: 40 concurrent wrong passwords for one user from one address reach bcrypt 5 times, not 40")
    void concurrentGuesses() throws Exception {
        server = SmallHeapServer.start(dir, 0, 10);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> guesses = new ArrayList<>();
        HonestClient honest = new HonestClient(server);
        for (int i = 0; i < 40; i++) {
            guesses.add(CompletableFuture.runAsync(() -> {
                RawHttp.Answer a = RawHttp.send("127.0.0.2", server.httpPort(), login("alice", "guess"));
                statuses.computeIfAbsent(a.status(), k -> new AtomicInteger()).incrementAndGet();
            }, runnable -> new Thread(runnable, "guess").start()));
        }
        CompletableFuture.allOf(guesses.toArray(CompletableFuture[]::new)).join();
        HonestClient.Report report = stopAfterRounds(honest);
        System.out.printf("concurrentGuesses: answers %s; %s%n", statuses, report);
        assertEquals(5, statuses.get(401).get(), "guesses that reached bcrypt: " + statuses);
        assertEquals(35, statuses.get(429).get(), statuses.toString());
        assertServed(report);
    }

    @Test
    @DisplayName("§7.1: junk logins from a few addresses cannot fill the bcrypt queue for everyone else")
    void junkLoginFlood() throws Exception {
        // Cost 10: a login takes tens of milliseconds, so 90 at once make a queue.
        server = SmallHeapServer.start(dir, 0, 10);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        HonestClient.Report report = whilePaced(90, n -> {
            RawHttp.Answer a;
            try {
                a = RawHttp.send("127.0.0." + (2 + n % 5), server.httpPort(), login("nobody" + n, "junk"));
            } catch (UncheckedIOException slow) {
                statuses.computeIfAbsent(-1, k -> new AtomicInteger()).incrementAndGet();
                return 0; // the attacker gave up waiting: its own patience, not the server's answer
            }
            statuses.computeIfAbsent(a.status(), k -> new AtomicInteger()).incrementAndGet();
            // Refused ones try again when told, or in a second: the flood keeps every place it can get.
            String retry = a.header("Retry-After");
            return retry.isEmpty() ? 0 : Math.min(1000, Long.parseLong(retry.strip()) * 1000);
        });
        System.out.printf("junkLoginFlood: junk answers %s; %s%n", statuses, report);
        assertTrue(statuses.containsKey(503), "the flood never filled an address's share: " + statuses);
        assertServed(report);
    }

    @Test
    @DisplayName("§7.7: idle connections past --http-max-connections are closed at once; the WebSocket side is untouched")
    void idleHttpConnections() throws Exception {
        server = SmallHeapServer.start(dir, 0, "--http-max-connections", "20");
        List<Socket> idle = new ArrayList<>();
        try (var alice = PortcullisClient.builder().wsUri(server.wsUri())
                .httpUri(server.httpUri("")).credentials("alice", TestServer.PASSWORD).build()) {
            alice.connect();
            int closedAtOnce = 0;
            for (int n = 0; n < 60; n++) {
                Socket s = new Socket();
                s.bind(new InetSocketAddress("127.0.0." + (2 + n % 30), 0));
                s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()));
                s.setSoTimeout(300);
                idle.add(s);
                try {
                    if (s.getInputStream().read() < 0) {
                        closedAtOnce++;
                    }
                } catch (SocketTimeoutException held) {
                    // taken and kept open, idle, as the JDK server keeps such a connection for 30 s
                }
            }
            System.out.printf("idleHttpConnections: of 60 idle connections, %d were closed at once%n", closedAtOnce);
            assertTrue(closedAtOnce >= 60 - 20, "connections past the cap stayed open: only " + closedAtOnce + " closed");
            // The WebSocket side needs no HTTP connection once a client is in.
            assertEquals(List.of("alice"), Clients.get(alice.join("idle-http")));
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    private static String login(String user, String password) {
        String body = "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}";
        return "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body;
    }

    /** {@code attackers} threads each run {@code attack} over and over while the honest client does its rounds. */
    private HonestClient.Report whileHonest(int attackers, IntConsumer attack) throws Exception {
        return whilePaced(attackers, n -> {
            attack.accept(n);
            return 0L;
        });
    }

    /**
     * {@code attackers} attackers run {@code attack} over and over while the honest client does its rounds,
     * each waiting as long as its last attempt says (the milliseconds it returns) before the next.
     */
    private HonestClient.Report whilePaced(int attackers, IntToLongFunction attack) throws Exception {
        HonestClient honest = new HonestClient(server);
        ScheduledExecutorService pool = Executors.newScheduledThreadPool(attackers);
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger running = new AtomicInteger(attackers);
        for (int i = 0; i < attackers; i++) {
            int n = i;
            pool.execute(new Runnable() {
                @Override
                public void run() {
                    if (honest.rounds() >= ROUNDS) {
                        if (running.decrementAndGet() == 0) {
                            done.complete(null);
                        }
                        return;
                    }
                    pool.schedule(this, attack.applyAsLong(n), TimeUnit.MILLISECONDS);
                }
            });
        }
        done.get(2, TimeUnit.MINUTES);
        pool.shutdownNow();
        HonestClient.Report report = honest.stop();
        honest.close();
        return report;
    }

    private static HonestClient.Report stopAfterRounds(HonestClient honest) throws Exception {
        await().until(() -> honest.rounds() >= ROUNDS);
        HonestClient.Report report = honest.stop();
        honest.close();
        return report;
    }

    private void assertServed(HonestClient.Report report) {
        assertTrue(server.process().isAlive(), "the server died:\n" + server.stderr());
        assertFalse(server.stderr().contains("OutOfMemoryError"), server.stderr());
        assertEquals(List.of(), report.failures(), "the honest client was denied service");
        assertEquals(0, report.disconnects(), "the honest client lost its connection");
        assertTrue(report.roundTripMicros().size() >= ROUNDS, report.toString());
    }
}
