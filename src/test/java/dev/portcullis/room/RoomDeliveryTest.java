package dev.portcullis.room;

import static dev.portcullis.testing.Clients.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.client.ClientListener.PresenceEvent;
import dev.portcullis.client.ClientListener;
import dev.portcullis.client.ClientState;
import dev.portcullis.client.ConnectionClosedException;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.client.RoomMessage;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ordering, cleanup at volume, slow consumers and the heartbeat: protocol.md §11.2 and §11.3. Members
 * are the project's Java client; bob in slowConsumer and heartbeat is a RawClient, because he must stop
 * reading or never answer a ping, which a polite client cannot do.
 */
class RoomDeliveryTest {
    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;


    @Test
    @DisplayName("§11.2: with concurrent senders every member sees one order, seq rises by one, and no sender is reordered")
    void totalOrder() throws Exception {
        server = servers.start();
        List<String> users = List.of("alice", "bob", "carol");
        List<Recorder> recorders = users.stream().map(u -> new Recorder()).toList();
        List<PortcullisClient> clients = new ArrayList<>();
        int perSender = 300;
        try {
            for (int u = 0; u < users.size(); u++) {
                clients.add(Clients.connected(server, users.get(u), recorders.get(u)));
                get(clients.get(u).join("order"));
            }
            ExecutorService senders = Executors.newFixedThreadPool(users.size());
            List<CompletableFuture<RoomMessage>> acks = new ArrayList<>();
            List<CompletableFuture<Void>> sending = new ArrayList<>();
            for (int u = 0; u < users.size(); u++) {
                PortcullisClient c = clients.get(u);
                String user = users.get(u);
                sending.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < perSender; i++) {
                        CompletableFuture<RoomMessage> ack = c.send("order", "{\"i\":" + i + "}", user + "-" + i);
                        synchronized (acks) {
                            acks.add(ack);
                        }
                    }
                }, senders));
            }
            CompletableFuture.allOf(sending.toArray(CompletableFuture[]::new)).join();
            senders.shutdown();
            acks.forEach(Clients::get);

            List<String> reference = null;
            for (Recorder r : recorders) {
                List<Recorder.Message> received = r.await(Recorder.Message.class, perSender * users.size());
                List<String> ids = new ArrayList<>();
                Map<String, Integer> lastBySender = new HashMap<>();
                for (int n = 1; n <= perSender * users.size(); n++) {
                    Recorder.Message m = received.get(n - 1);
                    assertEquals(n, m.seq(), "seq must rise by exactly one");
                    int i = TestServer.json(m.payloadJson()).get("i").asInt();
                    assertEquals(lastBySender.getOrDefault(m.from(), -1) + 1, i, "messages of " + m.from() + " reordered");
                    lastBySender.put(m.from(), i);
                    ids.add(m.id());
                }
                if (reference == null) {
                    reference = ids;
                } else {
                    assertEquals(reference, ids, "two members saw different orders");
                }
            }
        } finally {
            clients.forEach(PortcullisClient::close);
        }
    }

    @Test
    @DisplayName("§11.2: after 10,000 connect, join and disconnect cycles the registry holds nothing")
    void cleanupAtVolume() {
        server = servers.start();
        String token = server.login("alice", TestServer.PASSWORD);
        int cycles = 10_000;
        int workers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        // One HttpClient for all: each of the JDK's has a selector thread of its own.
        PortcullisClient.Builder alice = Clients.withToken(server, token, new ClientListener() {
        }).httpClient(server.http());
        List<CompletableFuture<Void>> runs = IntStream.range(0, workers).mapToObj(w -> CompletableFuture.runAsync(() -> {
            for (int i = w; i < cycles; i += workers) {
                try (PortcullisClient c = alice.build()) {
                    c.connect();
                    get(c.join("cycle-" + (i % 100)));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
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
    void slowConsumer() throws Exception {
        server = servers.start("--max-outbound-bytes", "256KiB", "--close-timeout", "500ms");
        int count = 600;
        String payload = "\"" + "x".repeat(16 * 1024) + "\"";
        Recorder c = new Recorder();
        try (RawClient stuck = server.rawAuthenticated("bob", 4096);
             PortcullisClient alice = Clients.connected(server, "alice");
             PortcullisClient carol = Clients.connected(server, "carol", c)) {
            stuck.sendText(Wire.join("firehose"));
            assertEquals("joined", TestServer.json(stuck.readText()).get("type").asText());
            get(alice.join("firehose"));
            get(carol.join("firehose"));
            // bob reads nothing from here on

            // Paced by the sender's own copy (its ack), so only bob, who reads nothing, falls behind.
            for (int i = 0; i < count; i++) {
                assertEquals("m" + i, get(alice.send("firehose", payload, "m" + i)).id());
            }
            List<Recorder.Message> received = c.await(Recorder.Message.class, count);
            for (int n = 1; n <= count; n++) {
                assertEquals(n, received.get(n - 1).seq());
            }
            assertTrue(c.all(Recorder.Presence.class).stream().allMatch(p -> p.user().equals("bob")), c.all(Recorder.Presence.class).toString());
            await().atMost(Duration.ofSeconds(10)).until(() -> server.auditEvents().stream().anyMatch(e ->
                    e.get("event").asText().equals("ws_close") && e.path("user").asText().equals("bob")
                            && e.get("code").asInt() == 1008 && e.path("reason").asText().equals("Slow consumer")));
            assertEquals(2, server.rooms().membershipCount());
        }
    }

    @Test
    @DisplayName("§11.3: a peer that never answers pings is dropped after two intervals; a live one stays")
    void heartbeat() throws Exception {
        server = servers.start("--ping-interval", "200ms");
        Recorder a = new Recorder();
        try (RawClient silent = server.rawAuthenticated("bob", 0);
             PortcullisClient alice = Clients.connected(server, "alice", a)) {
            silent.sendText(Wire.join("hb"));
            assertEquals("joined", TestServer.json(silent.readText()).get("type").asText());
            get(alice.join("hb"));
            long start = System.nanoTime();
            silent.awaitEndOfStream();
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 100,
                    "dropped before it could have missed two pings");
            assertEquals(List.of(new Recorder.Presence("hb", "bob", PresenceEvent.LEAVE)), a.await(Recorder.Presence.class, 1));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.auditEvents().stream().anyMatch(e ->
                    e.get("event").asText().equals("ws_close") && e.path("user").asText().equals("bob")
                            && e.get("code").asInt() == 1006));
            // alice's client answers the same pings (the JDK's WebSocket does): she is still in.
            assertEquals("alive", get(alice.send("hb", "1", "alive")).id());
            assertEquals(ClientState.AUTHENTICATED, alice.state());
            assertEquals(List.of(), a.all(Recorder.Closed.class));
        }
    }

    @Test
    @DisplayName("§6/§10: a frame over --max-message-bytes closes its sender with 1009; the room goes on")
    void oversizedMessage() throws Exception {
        server = servers.start();
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", a);
             PortcullisClient bob = Clients.connected(server, "bob", b)) {
            get(alice.join("big"));
            get(bob.join("big"));
            // The client does not check sizes: the server does, and closes the sender.
            ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class,
                    Clients.failure(alice.send("big", "\"" + "y".repeat(70 * 1024) + "\"", "huge")));
            assertEquals(1009, closed.code());
            assertEquals(List.of(new Recorder.Presence("big", "alice", PresenceEvent.LEAVE)), b.await(Recorder.Presence.class, 1));
            assertEquals(1, get(bob.send("big", "2", "small")).seq());
            assertEquals(List.of(), b.all(Recorder.Closed.class));
        }
    }
}
