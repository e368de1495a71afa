package dev.portcullis.hostile;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.FuzzPeer;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.TestServer;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of protocol.md §10 run against a server with a small heap ({@value SmallHeapServer#HEAP}) in a
 * JVM of its own, on its default settings unless named: each must end with the attackers given the
 * documented close, the server alive with its memory bounded, and an honest client served all along.
 * What the honest client measured is printed with each test.
 */
class HostileLoadTest {
    /** An attack on its defaults must leave the live heap well below the maximum. */
    private static final double HEAP_CEILING = 0.9;
    /** Rounds of the honest client, a tenth of a second each, that an attack lasts. */
    private static final int ROUNDS = 30;
    /** The fuzzer's own base seed (FuzzTest), so both runs send the same frames. */
    private static final long FUZZ_SEED = 0x5EED_2026L;

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
    @DisplayName("§10: millions of empty continuation frames, before and after auth, close with 1009 Too many fragments")
    void emptyContinuationFlood() throws Exception {
        server = SmallHeapServer.start(dir, 0);
        // 6 bytes a frame: each attacker offers 60 MB, the figure that once exhausted a 768 MB heap.
        byte[] chunk = Attacker.repeat(RawClient.frame(0x0, false, new byte[0], true), 10_000);
        HonestClient.Report report = attack(Set.of(2, 3, 4), Set.of(5), 0, attacker -> {
            attacker.socket().writeRaw(RawClient.frame(RawClient.TEXT, false, "{".getBytes(StandardCharsets.US_ASCII), true));
            return attacker.blast(chunk, 1000);
        });
        for (int n = 2; n <= 5; n++) {
            for (JsonNode close : server.closesFrom("127.0.0." + n, 1)) {
                assertEquals(1009, close.get("code").asInt(), close.toString());
                assertEquals("Too many fragments", close.get("reason").asText(), close.toString());
            }
        }
        assertServed(report);
    }

    @Test
    @DisplayName("§10: a ping flood from peers that never read closes with 1008 Too many control frames")
    void pingFloodThatNeverReads() throws Exception {
        server = SmallHeapServer.start(dir, 0);
        byte[] ping = RawClient.frame(RawClient.PING, true, "p".repeat(125).getBytes(StandardCharsets.US_ASCII), true);
        byte[] chunk = Attacker.repeat(ping, 500); // 65 KB: each attacker offers 65 MB
        HonestClient.Report report = attack(Set.of(2, 3, 4), Set.of(5), 2048, attacker -> attacker.blast(chunk, 1000));
        for (int n = 2; n <= 5; n++) {
            for (JsonNode close : server.closesFrom("127.0.0." + n, 1)) {
                assertEquals(1008, close.get("code").asInt(), close.toString());
                assertEquals("Too many control frames", close.get("reason").asText(), close.toString());
            }
        }
        assertServed(report);
    }

    @Test
    @DisplayName("§10: peers that make the server queue more than its memory budget are shed with 1013 Server overloaded")
    void slowReadersPastTheBudget() throws Exception {
        // Each attacker may have 4 MiB queued, twenty of them twice the budget of a 96 MB heap. The rate limit
        // is off so that one user can send that much; each attacker's messages come back to itself.
        server = SmallHeapServer.start(dir, 0, "--max-outbound-bytes", "4MiB", "--rate-limit", "off");
        Set<Integer> attackers = new TreeSet<>();
        for (int n = 2; n < 22; n++) {
            attackers.add(n);
        }
        String payload = "x".repeat(60_000);
        HonestClient.Report report = attack(Set.of(), attackers, 2048, attacker -> {
            String room = "sink-" + attacker.ip().replace('.', '-');
            attacker.socket().sendText("{\"type\":\"join\",\"room\":\"" + room + "\"}");
            byte[] message = RawClient.frame(RawClient.TEXT, true, ("{\"type\":\"message\",\"room\":\"" + room
                    + "\",\"payload\":\"" + payload + "\"}").getBytes(StandardCharsets.US_ASCII), true);
            return attacker.blast(Attacker.repeat(message, 10), 40); // 24 MB offered each
        });
        List<Integer> codes = new ArrayList<>();
        for (int n : attackers) {
            for (JsonNode close : server.closesFrom("127.0.0." + n, 1)) {
                codes.add(close.get("code").asInt());
                assertTrue(Set.of("Server overloaded", "Slow consumer").contains(close.path("reason").asText())
                        || close.get("code").asInt() == 1006, close.toString());
            }
        }
        assertTrue(codes.contains(1013), "the budget shed nobody: " + codes);
        assertTrue(server.metrics().get("portcullis_shed_connections_total") > 0);
        assertServed(report);
    }

    @Test
    @DisplayName("§12.6: idle connections spread over 40 addresses cannot keep out a client that authenticates at once")
    void pendingSpreadOverAddresses() throws Exception {
        server = SmallHeapServer.start(dir, 0, "--max-connections", "1000");
        HonestClient honest = new HonestClient(server);
        AtomicInteger upgraded = new AtomicInteger();
        List<Attacker> idle = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        try {
            // 50 each, the per-address limit: 2000 in all against a pending cap of 250 and 1000 connections.
            for (int n = 2; n < 42; n++) {
                int address = n;
                runs.add(CompletableFuture.runAsync(() -> {
                    while (honest.rounds() < ROUNDS) {
                        try {
                            idle.add(Attacker.connect(server, address, false, 0));
                            upgraded.incrementAndGet();
                        } catch (AssertionError | UncheckedIOException refused) {
                            // 429 at the door, or dropped mid-handshake to make room: it tries again
                        }
                    }
                }, runnable -> new Thread(runnable, "attacker-127.0.0." + address).start()));
            }
            await().until(() -> upgraded.get() >= 1000);
            // New honest connections while the attack holds every pending place it can get.
            for (int i = 0; i < 5; i++) {
                try (PortcullisClient alice = PortcullisClient.builder().httpUri(server.httpUri(""))
                        .wsUri(server.wsUri()).credentials("alice", TestServer.PASSWORD).build()) {
                    alice.connect();
                    assertEquals(List.of("alice"), Clients.get(alice.join("pending-" + i)));
                }
            }
            for (CompletableFuture<Void> run : runs) {
                run.get();
            }
            HonestClient.Report report = honest.stop();
            System.out.printf("pendingSpreadOverAddresses: %d attacker connections upgraded; %s%n", upgraded.get(), report);
            List<JsonNode> busy = server.closesFrom("127.0.0.2", 1);
            assertTrue(busy.stream().anyMatch(c -> c.path("reason").asText().equals("Server busy")), busy.toString());
            assertServed(report);
        } finally {
            idle.forEach(Attacker::close);
            honest.close();
        }
    }

    @Test
    @DisplayName("§6/§10: the fuzzer's seeded frames from 200 peers at once leave a small heap serving")
    void fuzzedFrames() throws Exception {
        // All from one address: its limits are off, as in the fuzzer's own run; the frames are what is tested.
        server = SmallHeapServer.start(dir, 0, "--ip-connect-rate", "off", "--max-pending-per-ip", "off",
                "--ip-auth-failures", "off");
        String token = Attacker.login(server);
        HonestClient honest = new HonestClient(server);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<Void>> peers = new ArrayList<>();
            for (long seed = 0; seed < 200; seed++) {
                long s = FUZZ_SEED + seed;
                peers.add(CompletableFuture.runAsync(() -> FuzzPeer.run(server.wsPort(), token, s, 40), pool));
            }
            CompletableFuture.allOf(peers.toArray(CompletableFuture[]::new)).get();
            await().until(() -> honest.rounds() >= ROUNDS);
            HonestClient.Report report = honest.stop();
            System.out.printf("fuzzedFrames: 200 peers, 40 actions each; %s%n", report);
            assertServed(report);
            assertFalse(server.stderr().contains(" ERROR "), "the server logged an error:\n" + server.stderr());
        } finally {
            pool.shutdownNow();
            honest.close();
        }
    }

    /**
     * Attacks from one address each, {@code unauthenticated} and {@code authenticated} ones (127.0.0.N), all at
     * once and over again (a closed attacker reconnects) until the honest client has done {@link #ROUNDS}
     * rounds under attack; returns what it saw.
     */
    private HonestClient.Report attack(Set<Integer> unauthenticated, Set<Integer> authenticated, int receiveBuffer,
                                       Function<Attacker, Long> attack) throws Exception {
        HonestClient honest = new HonestClient(server);
        try {
            List<CompletableFuture<long[]>> runs = new ArrayList<>();
            for (int n : unauthenticated) {
                runs.add(repeatedly(honest, n, false, receiveBuffer, attack));
            }
            for (int n : authenticated) {
                runs.add(repeatedly(honest, n, true, receiveBuffer, attack));
            }
            long offered = 0;
            long connections = 0;
            for (CompletableFuture<long[]> run : runs) {
                offered += run.get()[0];
                connections += run.get()[1];
            }
            HonestClient.Report report = honest.stop();
            System.out.printf("%s: %d attacker connections from %d addresses wrote %.1f MB; %s%n",
                    Thread.currentThread().getStackTrace()[2].getMethodName(), connections, runs.size(), offered / 1e6,
                    report);
            return report;
        } finally {
            honest.close();
        }
    }

    /** One address's attack, again and again while the honest client is at it: bytes written and connections. */
    private CompletableFuture<long[]> repeatedly(HonestClient honest, int n, boolean authenticated, int receiveBuffer,
                                                 Function<Attacker, Long> attack) {
        return CompletableFuture.supplyAsync(() -> {
            long offered = 0;
            long connections = 0;
            while (honest.rounds() < ROUNDS) {
                Attacker attacker;
                try {
                    attacker = Attacker.connect(server, n, authenticated, receiveBuffer);
                } catch (AssertionError refused) {
                    continue; // 429 at the door: this address reconnects too fast; it tries again
                }
                try (attacker) {
                    offered += attack.apply(attacker);
                    connections++;
                }
            }
            return new long[] {offered, connections};
        }, runnable -> new Thread(runnable, "attacker-127.0.0." + n).start());
    }

    private void assertServed(HonestClient.Report report) {
        assertTrue(server.process().isAlive(), "the server died:\n" + server.stderr());
        assertFalse(server.stderr().contains("OutOfMemoryError"), server.stderr());
        await().until(() -> server.get("/healthz").statusCode() == 200);
        assertEquals(List.of(), report.failures(), "the honest client was denied service");
        assertEquals(0, report.disconnects(), "the honest client lost its connection");
        assertTrue(report.roundTripMicros().size() >= 3, "the attack was over before the honest client got going");
        assertTrue(report.maxHeapAfterGc() < HEAP_CEILING * report.heapMax(), report.toString());
    }
}
