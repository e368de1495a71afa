package dev.portcullis.room;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ordering, cleanup at volume, slow consumers and the heartbeat: protocol.md §11.2 and §11.3. */
class RoomDeliveryTest {
    @TempDir
    Path dir;
    TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }


    /** Joins everyone in turn, draining the presence events each join causes, so the tests see only messages. */
    private static void joinAll(String room, List<RecordingClient> clients) {
        for (int i = 0; i < clients.size(); i++) {
            clients.get(i).send(Wire.join(room)).awaitMessage("joined");
            for (int earlier = 0; earlier < i; earlier++) {
                assertEquals("presence", clients.get(earlier).awaitMessage().get("type").asText());
            }
        }
    }

    @Test
    @DisplayName("§11.2: with concurrent senders every member sees one order, seq rises by one, and no sender is reordered")
    void totalOrder() throws Exception {
        server = TestServer.start(dir);
        List<String> users = List.of("alice", "bob", "carol");
        List<RecordingClient> clients = users.stream().map(server::authenticated).toList();
        int perSender = 300;
        try {
            joinAll("order", clients);
            ExecutorService senders = Executors.newFixedThreadPool(users.size());
            List<CompletableFuture<Void>> sending = new ArrayList<>();
            for (int u = 0; u < users.size(); u++) {
                RecordingClient c = clients.get(u);
                String user = users.get(u);
                sending.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < perSender; i++) {
                        c.send(Wire.message("order", "{\"i\":" + i + "}", user + "-" + i));
                    }
                }, senders));
            }
            CompletableFuture.allOf(sending.toArray(CompletableFuture[]::new)).join();
            senders.shutdown();

            List<String> reference = null;
            for (RecordingClient c : clients) {
                List<String> ids = new ArrayList<>();
                Map<String, Integer> lastBySender = new HashMap<>();
                for (int n = 1; n <= perSender * users.size(); n++) {
                    JsonNode m = c.awaitMessage("message");
                    assertEquals(n, m.get("seq").asLong(), "seq must rise by exactly one");
                    String from = m.get("from").asText();
                    int i = m.get("payload").get("i").asInt();
                    assertEquals(lastBySender.getOrDefault(from, -1) + 1, i, "messages of " + from + " reordered");
                    lastBySender.put(from, i);
                    ids.add(m.get("id").asText());
                }
                if (reference == null) {
                    reference = ids;
                } else {
                    assertEquals(reference, ids, "two members saw different orders");
                }
            }
        } finally {
            clients.forEach(RecordingClient::close);
        }
    }

    @Test
    @DisplayName("§11.2: after 10,000 connect, join and disconnect cycles the registry holds nothing")
    void cleanupAtVolume() {
        server = TestServer.start(dir);
        String token = server.login("alice", TestServer.PASSWORD);
        int cycles = 10_000;
        int workers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<CompletableFuture<Void>> runs = IntStream.range(0, workers).mapToObj(w -> CompletableFuture.runAsync(() -> {
            for (int i = w; i < cycles; i += workers) {
                try (RecordingClient c = server.connect()) {
                    c.auth(token).awaitMessage("auth_ok");
                    c.send(Wire.join("cycle-" + (i % 100)));
                    JsonNode reply = c.awaitMessage();
                    while (!reply.get("type").asText().equals("joined")) {
                        reply = c.awaitMessage();
                    }
                }
            }
        }, pool)).toList();
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
        pool.shutdown();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.rooms().roomCount() == 0);
        assertEquals(0, server.rooms().membershipCount());
    }

    @Test
    @DisplayName("§11.3: a member that stops reading is closed 'Slow consumer' while another member receives everything")
    void slowConsumer() {
        server = TestServer.start(dir, "--max-outbound-bytes", "256KiB", "--close-timeout", "500ms");
        int count = 600;
        String payload = "\"" + "x".repeat(16 * 1024) + "\"";
        try (RawClient stuck = server.rawAuthenticated("bob", 4096);
             RecordingClient alice = server.authenticated("alice");
             RecordingClient carol = server.authenticated("carol")) {
            stuck.sendText(Wire.join("firehose"));
            assertEquals("joined", TestServer.json(stuck.readText()).get("type").asText());
            alice.send(Wire.join("firehose")).awaitMessage("joined");
            carol.send(Wire.join("firehose")).awaitMessage("joined");
            alice.awaitMessage("presence");
            // bob reads nothing from here on

            // Paced by the sender's own copy (its ack), so only bob, who reads nothing, falls behind.
            for (int i = 0; i < count; i++) {
                alice.send(Wire.message("firehose", payload, "m" + i));
                JsonNode ack = alice.awaitMessage();
                while (!ack.get("type").asText().equals("message")) {
                    ack = alice.awaitMessage();
                }
                assertEquals("m" + i, ack.get("id").asText());
            }
            int received = 0;
            while (received < count) {
                JsonNode m = carol.awaitMessage();
                if (m.get("type").asText().equals("presence")) {
                    assertEquals("bob", m.get("user").asText());
                    continue;
                }
                received++;
                assertEquals(received, m.get("seq").asLong());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.auditEvents().stream().anyMatch(e ->
                    e.get("event").asText().equals("ws_close") && e.path("user").asText().equals("bob")
                            && e.get("code").asInt() == 1008 && e.path("reason").asText().equals("Slow consumer")));
            assertEquals(2, server.rooms().membershipCount());
        }
    }

    @Test
    @DisplayName("§11.3: a peer that never answers pings is dropped after two intervals; a live one stays")
    void heartbeat() {
        server = TestServer.start(dir, "--ping-interval", "200ms");
        try (RawClient silent = server.rawAuthenticated("bob", 0);
             RecordingClient alice = server.authenticated("alice")) {
            silent.sendText(Wire.join("hb"));
            assertEquals("joined", TestServer.json(silent.readText()).get("type").asText());
            alice.send(Wire.join("hb")).awaitMessage("joined");
            long start = System.nanoTime();
            silent.awaitEndOfStream();
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 100,
                    "dropped before it could have missed two pings");
            JsonNode leave = alice.awaitMessage("presence");
            assertEquals("bob", leave.get("user").asText());
            assertEquals("leave", leave.get("event").asText());
            await().atMost(Duration.ofSeconds(5)).until(() -> server.auditEvents().stream().anyMatch(e ->
                    e.get("event").asText().equals("ws_close") && e.path("user").asText().equals("bob")
                            && e.get("code").asInt() == 1006));
            alice.send(Wire.message("hb", "1", "alive"));
            assertEquals("alive", alice.awaitMessage("message").get("id").asText());
        }
    }

    @Test
    @DisplayName("§6/§10: a frame over --max-message-bytes closes its sender with 1009; the room goes on")
    void oversizedMessage() {
        server = TestServer.start(dir);
        try (RecordingClient alice = server.authenticated("alice");
             RecordingClient bob = server.authenticated("bob")) {
            joinAll("big", List.of(alice, bob));
            alice.send(Wire.message("big", "\"" + "y".repeat(70 * 1024) + "\"", "huge"));
            assertEquals(1009, alice.awaitClose().code());
            assertEquals("leave", bob.awaitMessage("presence").get("event").asText());
            bob.send(Wire.message("big", "2", "small"));
            assertEquals(1, bob.awaitMessage("message").get("seq").asLong());
        }
    }
}
