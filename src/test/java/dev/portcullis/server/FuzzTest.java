package dev.portcullis.server;

import static dev.portcullis.testing.Clients.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.FuzzPeer;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.Slowdown;
import dev.portcullis.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
     * made Java-WebSocket 1.6.0 throw and leave the connection open (fixed in StrictDraft).
     */
    private static final long[] REGRESSION_SEEDS = {1592598601L, 1592598627L, 1592598654L, 1592598659L, 1592598733L};
    private static final int PEERS = 200;
    private static final int ACTIONS_PER_PEER = 40;
    /** Fast enough for the honest client after fuzzing whatever its reference took: a login and a join. */
    private static final Duration PROMPTLY = Duration.ofSeconds(2);

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
            // The honest client's way in, timed on the healthy server: the reference for the same after fuzzing.
            Duration honestBefore = Slowdown.time(() -> {
                try (PortcullisClient c = Clients.connected(server, "bob")) {
                    get(c.join("before"));
                }
            });
            long heapBefore = usedHeapAfterGc();
            long threadsBefore = serverThreads();

            List<Long> seeds = new ArrayList<>();
            LongStream.range(0, PEERS).forEach(i -> seeds.add(BASE_SEED + i));
            for (long s : REGRESSION_SEEDS) {
                seeds.add(s);
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<CompletableFuture<Void>> peers = seeds.stream()
                    .map(seed -> CompletableFuture.runAsync(() -> FuzzPeer.run(server.wsPort(), token, seed, ACTIONS_PER_PEER), pool))
                    .toList();
            CompletableFuture.allOf(peers.toArray(CompletableFuture[]::new)).join();
            pool.shutdown();

            await().atMost(Duration.ofSeconds(20)).until(() -> server.rooms().roomCount() == 0);
            Duration honestAfter = Slowdown.time(() -> {
                try (PortcullisClient c = Clients.connected(server, "bob")) {
                    get(c.join("after"));
                }
            });
            Slowdown.assertNotSlowerThan(honestBefore, PROMPTLY, honestAfter, "authenticating after fuzzing");
            assertEquals(threadsBefore, serverThreads(), "a server thread died");
            long growth = usedHeapAfterGc() - heapBefore;
            assertTrue(growth < 32L * 1024 * 1024, "heap grew by " + growth / 1024 + " KiB");
            // Hostile input is answered with close codes; nothing a peer sends may be an error on our side.
            assertFalse(logs.text().contains(" ERROR "), "the server logged an error:\n" + logs.text());
        }
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
