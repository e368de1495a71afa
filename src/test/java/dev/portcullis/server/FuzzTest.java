package dev.portcullis.server;

import static dev.portcullis.testing.Clients.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.TestServer;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of everything a peer can send, before and after auth, from many raw sockets at once.
 * Afterwards the server must still let an honest client in promptly, hold no leftover connections or
 * rooms, keep its heap near where it started, have lost no thread, and have logged no internal error.
 * A seed that ever fails joins {@link #REGRESSION_SEEDS} so it runs forever after. The peers are
 * RawClients, which send whatever the seed says; the honest client is the project's Java client.
 */
class FuzzTest {
    /** Fixed so a run is reproducible; a failing peer names its seed. */
    private static final long BASE_SEED = 0x5EED_2026L;
    /**
     * Seeds of past failures, run on every build. These sent a close frame whose reason is not UTF-8, which
     * made Java-WebSocket 1.6.0 throw and leave the connection open (fixed in GateDraft).
     */
    private static final long[] REGRESSION_SEEDS = {1592598601L, 1592598627L, 1592598654L, 1592598659L, 1592598733L};
    private static final int PEERS = 200;
    private static final int ACTIONS_PER_PEER = 40;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    @DisplayName("§6/§10: random and mutated frames and messages from 200 peers leave the server healthy")
    void fuzz() throws Exception {
        try (TestServer server = TestServer.start(dir, "--auth-timeout", "500ms", "--handshake-timeout", "500ms",
                "--close-timeout", "500ms", "--max-message-bytes", "4KiB", "--max-outbound-bytes", "64KiB");
             LogCapture logs = LogCapture.start()) {
            String token = server.login("alice", TestServer.PASSWORD);
            // Warm up, so class loading and first-use allocations do not count as growth.
            try (PortcullisClient c = Clients.connected(server, "alice")) {
                get(c.join("warm"));
            }
            long heapBefore = usedHeapAfterGc();
            long threadsBefore = serverThreads();

            List<Long> seeds = new ArrayList<>();
            LongStream.range(0, PEERS).forEach(i -> seeds.add(BASE_SEED + i));
            for (long s : REGRESSION_SEEDS) {
                seeds.add(s);
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<CompletableFuture<Void>> peers = seeds.stream()
                    .map(seed -> CompletableFuture.runAsync(() -> peer(server, token, seed), pool))
                    .toList();
            CompletableFuture.allOf(peers.toArray(CompletableFuture[]::new)).join();
            pool.shutdown();

            await().atMost(Duration.ofSeconds(20)).until(() -> server.rooms().roomCount() == 0);
            long start = System.nanoTime();
            try (PortcullisClient c = Clients.connected(server, "bob")) {
                get(c.join("after"));
            }
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000, "slow to authenticate after fuzzing");
            assertEquals(threadsBefore, serverThreads(), "a server thread died");
            long growth = usedHeapAfterGc() - heapBefore;
            assertTrue(growth < 32L * 1024 * 1024, "heap grew by " + growth / 1024 + " KiB");
            // Hostile input is answered with close codes; nothing a peer sends may be an error on our side.
            assertFalse(logs.text().contains(" ERROR "), "the server logged an error:\n" + logs.text());
        }
    }

    /** One hostile peer: a raw connection, maybe authenticated, then a seeded stream of abuse. */
    private static void peer(TestServer server, String token, long seed) {
        Random random = new Random(seed);
        try (RawClient c = RawClient.connect(server.wsPort())) {
            if (random.nextBoolean()) {
                c.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            }
            for (int i = 0; i < ACTIONS_PER_PEER; i++) {
                c.writeRaw(action(random, token));
                if (!c.drainAvailable()) {
                    return;
                }
            }
        } catch (UncheckedIOException e) {
            // the server closed this peer, as it should for most of what it sends
        } catch (AssertionError e) {
            throw new AssertionError("peer with seed " + seed + " failed", e);
        }
    }

    private static byte[] action(Random r, String token) {
        byte[] message = message(r, token).getBytes(StandardCharsets.UTF_8);
        return switch (r.nextInt(12)) {
            case 0 -> randomBytes(r, 1 + r.nextInt(64));
            case 1 -> mutate(r, RawClient.frame(RawClient.TEXT, true, message, true));
            case 2 -> RawClient.frame(RawClient.BINARY, true, randomBytes(r, r.nextInt(200)), true);
            case 3 -> fragmented(r, message);
            case 4 -> RawClient.frame(3 + r.nextInt(5), true, message, true);          // reserved opcodes
            case 5 -> RawClient.frame(RawClient.TEXT, true, message, false);            // unmasked
            case 6 -> RawClient.frame(RawClient.TEXT, true, randomBytes(r, 1 + r.nextInt(40)), true); // bad UTF-8
            case 7 -> control(r);
            case 8 -> oversizedHeader(r);
            default -> RawClient.frame(RawClient.TEXT, true, message, true);
        };
    }

    /** A client message built from the real types with random field values and shapes. */
    private static String message(Random r, String token) {
        ObjectNode m = JSON.createObjectNode();
        String[] types = {"auth", "join", "leave", "message", "refresh", "", "JOIN", "\u0000"};
        switch (r.nextInt(6)) {
            case 0 -> m.put("type", r.nextInt(100));
            case 1 -> { }
            default -> m.put("type", types[r.nextInt(types.length)]);
        }
        if (r.nextBoolean()) {
            m.put("token", r.nextInt(4) == 0 ? token : randomString(r, 40));
        }
        if (r.nextInt(3) > 0) {
            String[] rooms = {"lobby", "r" + r.nextInt(4), "", "x".repeat(70), "bad room", "ünï", "team-*"};
            m.put("room", rooms[r.nextInt(rooms.length)]);
        }
        if (r.nextBoolean()) {
            m.set("payload", tree(r, r.nextInt(10) == 0 ? 60 : 4));
        }
        if (r.nextInt(4) == 0) {
            m.put("id", randomString(r, 1 + r.nextInt(200)));
        }
        if (r.nextInt(5) == 0) {
            m.put("from", "root");
        }
        String text = m.toString();
        return switch (r.nextInt(8)) {
            case 0 -> text.substring(0, r.nextInt(text.length() + 1));
            case 1 -> text + text;
            case 2 -> "[".repeat(r.nextInt(200)) + text;
            case 3 -> "9".repeat(1 + r.nextInt(300));
            default -> text;
        };
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(Random r, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (depth == 0) {
            return f.textNode(randomString(r, 5));
        }
        return switch (r.nextInt(6)) {
            case 0 -> {
                ArrayNode a = f.arrayNode();
                a.add(tree(r, depth - 1));
                yield a;
            }
            case 1 -> f.objectNode().set("k", tree(r, depth - 1));
            case 2 -> f.numberNode(r.nextDouble() * Math.pow(10, r.nextInt(300)));
            case 3 -> f.nullNode();
            case 4 -> f.booleanNode(r.nextBoolean());
            default -> f.textNode(randomString(r, r.nextInt(50)));
        };
    }

    private static byte[] fragmented(Random r, byte[] message) {
        ByteBuffer out = ByteBuffer.allocate(message.length + 64 * 8 + 200);
        int parts = 1 + r.nextInt(4);
        int at = 0;
        for (int p = 0; p < parts; p++) {
            int end = p == parts - 1 ? message.length : Math.min(message.length, at + r.nextInt(message.length + 1));
            byte[] piece = java.util.Arrays.copyOfRange(message, at, end);
            boolean last = p == parts - 1 && r.nextInt(5) > 0; // sometimes never finished
            out.put(RawClient.frame(p == 0 ? RawClient.TEXT : 0x0, last, piece, true));
            if (r.nextInt(4) == 0) {
                out.put(RawClient.frame(RawClient.PING, true, randomBytes(r, r.nextInt(20)), true));
            }
            at = end;
        }
        byte[] wire = new byte[out.position()];
        out.flip().get(wire);
        return wire;
    }

    private static byte[] control(Random r) {
        int[] ops = {RawClient.PING, RawClient.PONG, RawClient.CLOSE};
        int op = ops[r.nextInt(ops.length)];
        byte[] payload = randomBytes(r, r.nextInt(4) == 0 ? 126 + r.nextInt(100) : r.nextInt(30));
        return RawClient.frame(op, r.nextInt(6) > 0, payload, true);
    }

    private static byte[] oversizedHeader(Random r) {
        return ByteBuffer.allocate(14).put((byte) 0x81).put((byte) (0x80 | 127))
                .putLong(r.nextBoolean() ? Long.MAX_VALUE : (1L << 31) + r.nextInt(1 << 20)).putInt(r.nextInt()).array();
    }

    private static byte[] mutate(Random r, byte[] frame) {
        byte[] copy = frame.clone();
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            copy[r.nextInt(copy.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return copy;
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static String randomString(Random r, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) (r.nextInt(4) == 0 ? r.nextInt(0xD7FF) : 32 + r.nextInt(95)));
        }
        return b.toString();
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** The library's selector and worker threads, and our scheduler: if one died it would be missing. */
    private static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(n -> n.startsWith("WebSocketWorker-") || n.startsWith("WebSocketSelector-")
                        || n.equals("gate-scheduler") || n.equals("audit-writer"))
                .count();
    }
}
