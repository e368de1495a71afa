package dev.portcullis.room;

import static dev.portcullis.testing.Clients.get;
import static dev.portcullis.testing.Clients.refused;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.client.ClientListener.PresenceEvent;
import dev.portcullis.client.ConnectionClosedException;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.client.RequestRefusedException;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.Recorder.Message;
import dev.portcullis.testing.Recorder.Presence;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Tokens;
import dev.portcullis.testing.Wire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Joining, leaving, messages and presence against a real server: protocol.md §4.4-§4.8 and §11.1.
 * Members are the project's Java client; joinAndPresence, messageRelay and invalidRoomNames use the raw
 * RecordingClient because they check the exact text on the wire or send what the client refuses to send.
 */
class RoomTest {
    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    private TestServer start(String... args) {
        server = servers.start(args);
        return server;
    }


    @Test
    @DisplayName("§4.4/§4.5/§4.8: join answers joined with the members, and the others see presence join")
    void joinAndPresence() {
        start();
        try (RecordingClient alice = server.authenticated("alice");
             RecordingClient bob = server.authenticated("bob")) {
            alice.send(Wire.join("lobby"));
            JsonNode joined = alice.awaitMessage("joined");
            assertEquals("lobby", joined.get("room").asText());
            assertEquals("[\"alice\"]", joined.get("members").toString());

            bob.send(Wire.join("lobby"));
            assertEquals("[\"alice\",\"bob\"]", bob.awaitMessage("joined").get("members").toString());
            JsonNode presence = alice.awaitMessage("presence");
            assertEquals("{\"type\":\"presence\",\"room\":\"lobby\",\"user\":\"bob\",\"event\":\"join\"}", presence.toString());

            bob.send(Wire.join("lobby"));
            bob.awaitMessage("joined");
            bob.send("{\"type\":\"leave\",\"room\":\"lobby\"}");
            assertEquals("{\"type\":\"left\",\"room\":\"lobby\"}", bob.awaitMessage("left").toString());
            assertEquals("leave", alice.awaitMessage("presence").get("event").asText());
            alice.assertNoEvents();
        }
    }

    @Test
    @DisplayName("§4.8: presence follows users, not connections: a second connection of a present user is silent")
    void presencePerUser() throws Exception {
        start();
        Recorder a = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", a);
             PortcullisClient bob2 = Clients.connected(server, "bob")) {
            get(alice.join("lobby"));
            try (PortcullisClient bob1 = Clients.connected(server, "bob")) {
                get(bob1.join("lobby"));
                assertEquals(List.of(new Presence("lobby", "bob", PresenceEvent.JOIN)), a.await(Presence.class, 1));
                assertEquals(List.of("alice", "bob"), get(bob2.join("lobby")));
            }
            // bob1 is out of the room (its cleanup has run) before bob2 speaks, so a wrong presence would come first.
            await().atMost(Duration.ofSeconds(5)).until(() -> server.rooms().membershipCount() == 2);
            get(bob2.send("lobby", "1", "sync"));
            assertEquals("sync", a.await(Message.class, 1).get(0).id());
            assertEquals(1, a.all(Presence.class).size(), "no presence while bob still has a connection: " + a.events);
            bob2.close();
            assertEquals(new Presence("lobby", "bob", PresenceEvent.LEAVE), a.await(Presence.class, 2).get(1));
        }
    }

    @Test
    @DisplayName("§4.7: every member gets the message with from, payload, id, seq and ts; the sender's copy is its ack")
    void messageRelay() {
        start();
        try (RecordingClient alice = server.authenticated("alice");
             RecordingClient bob = server.authenticated("bob")) {
            alice.send(Wire.join("lobby")).awaitMessage("joined");
            bob.send(Wire.join("lobby")).awaitMessage("joined");
            alice.awaitMessage("presence");
            long before = server.clock().millis();
            alice.send("{\"type\":\"message\",\"room\":\"lobby\",\"from\":\"root\",\"payload\":{\"text\":\"hi\",\"n\":[1,2]},\"id\":\"m-1\",\"extra\":true}");
            for (RecordingClient c : List.of(alice, bob)) {
                JsonNode m = c.awaitMessage("message");
                assertEquals("lobby", m.get("room").asText());
                assertEquals("alice", m.get("from").asText(), "from is the authenticated user, never the client's claim");
                assertEquals("{\"text\":\"hi\",\"n\":[1,2]}", m.get("payload").toString());
                assertEquals("m-1", m.get("id").asText());
                assertEquals(1, m.get("seq").asLong());
                assertEquals(before, m.get("ts").asLong());
            }
            alice.send(Wire.message("lobby", "[1.10,1e999,12345678901234567890]", null));
            String relayed = alice.awaitText();
            assertTrue(relayed.contains("\"payload\":[1.10,1E+999,12345678901234567890]"), relayed);
            assertEquals(2, bob.awaitMessage("message").get("seq").asLong());
            alice.send(Wire.message("lobby", "null", null));
            JsonNode second = bob.awaitMessage("message");
            assertEquals(3, second.get("seq").asLong());
            assertTrue(second.get("payload").isNull());
            assertFalse(second.has("id"));
        }
    }

    @Test
    @DisplayName("§4.7/§5: a message to a room not joined gets not_a_member, and nobody in the room receives a byte")
    void nonMemberCannotSendOrListen() throws Exception {
        start();
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", a);
             PortcullisClient bob = Clients.connected(server, "bob", b)) {
            get(alice.join("secret"));
            RequestRefusedException e = refused(bob.send("secret", "\"intrusion\"", "x1"), "not_a_member");
            assertEquals(Optional.of("secret"), e.room());
            assertEquals(Optional.of("x1"), e.id());
            refused(bob.leave("secret"), "not_a_member");

            get(alice.send("secret", "\"for members only\"", null));
            // The server answers bob in order: room traffic leaked to him would be recorded before this answer.
            assertEquals(List.of("bob"), get(bob.join("elsewhere")));
            assertEquals(2, get(alice.send("secret", "\"still\"", null)).seq());
            get(bob.join("elsewhere"));
            assertEquals(List.of(), b.messages(), "a non-member received room traffic");
            assertEquals(List.of("not_a_member", "not_a_member"), b.all(Recorder.Error.class).stream().map(Recorder.Error::code).toList());
            assertEquals(List.of(), a.all(Recorder.Error.class));
            assertEquals(2, a.messages().size());
        }
    }

    @Test
    @DisplayName("§4.4/§5: invalid room names get invalid_room, and the connection stays open")
    void invalidRoomNames() {
        start();
        try (RecordingClient alice = server.authenticated("alice")) {
            for (String bad : List.of("", "x".repeat(65), "with space", "slash/room", "ünïcode", "star*")) {
                alice.send("{\"type\":\"join\",\"room\":\"" + bad + "\"}");
                JsonNode e = alice.awaitError("invalid_room");
                assertFalse(e.has("room"), "an invalid name is not echoed");
            }
            alice.send(Wire.join("a.b_c:d-" + "9".repeat(56))).awaitMessage("joined");
            alice.send("{\"type\":\"join\"}");
            alice.awaitError("malformed_message");
            alice.send("{\"type\":\"message\",\"room\":\"lobby\"}");
            alice.awaitError("malformed_message");
            alice.send("{\"type\":\"message\",\"room\":\"lobby\",\"payload\":1,\"id\":7}");
            alice.awaitError("malformed_message");
        }
    }

    @Test
    @DisplayName("§4.4/§10: a connection may be in at most --max-rooms-per-connection rooms")
    void roomLimit() throws Exception {
        start("--max-rooms-per-connection", "2");
        try (PortcullisClient alice = Clients.connected(server, "alice")) {
            get(alice.join("r1"));
            get(alice.join("r2"));
            assertEquals(Optional.of("r3"), refused(alice.join("r3"), "too_many_rooms").room());
            get(alice.join("r1")); // already a member: still fine
            get(alice.leave("r2"));
            get(alice.join("r3"));
        }
    }

    @Test
    @DisplayName("§11.1: rules allow and deny by user, by role and by glob, first match wins, and unlisted rooms follow --room-default")
    void roomRules() throws Exception {
        Path rules = servers.dir().resolve("rooms.json");
        Files.writeString(rules, """
                {"rooms":[
                  {"name":"staff-lounge","roles":["staff","admin"]},
                  {"name":"team-red-*","users":["alice"]},
                  {"name":"team-*","users":["bob"],"roles":["admin"]},
                  {"name":"public-?","users":["*"]}
                ]}""");
        start("--rooms", rules.toString(), "--room-default", "deny");
        try (PortcullisClient alice = Clients.connected(server, "alice");
             PortcullisClient bob = Clients.connected(server, "bob");
             PortcullisClient carol = Clients.connected(server, "carol");
             PortcullisClient root = Clients.connected(server, "root")) {
            assertAllowed(carol, "staff-lounge");
            assertAllowed(root, "staff-lounge");
            assertDenied(alice, "staff-lounge");
            assertAllowed(alice, "team-red-1");
            assertDenied(bob, "team-red-1");   // the first matching rule decides, even though team-* would admit bob
            assertAllowed(bob, "team-blue");
            assertAllowed(root, "team-blue");
            assertDenied(alice, "team-blue");
            assertAllowed(carol, "public-1");
            assertDenied(carol, "public-10");  // ? is exactly one character
            assertDenied(alice, "lobby");      // no rule: --room-default deny
        }
    }

    @Test
    @DisplayName("§11.1: a token's rooms claim narrows what its holder may join")
    void tokenRoomsClaim() throws Exception {
        start();
        String narrowed = Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofHours(1))
                .withClaim("rooms", List.of("chat-*", "news")), TestServer.SECRET);
        try (PortcullisClient alice = Clients.connectedWith(server, narrowed, new Recorder())) {
            assertAllowed(alice, "chat-1");
            assertAllowed(alice, "news");
            assertDenied(alice, "newsroom");
            assertDenied(alice, "lobby");
        }
        String malformed = Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofHours(1))
                .withClaim("rooms", "chat-*"), TestServer.SECRET);
        PortcullisClient c = Clients.withToken(server, malformed, new Recorder()).build();
        ConnectionClosedException refused = assertThrows(ConnectionClosedException.class, c::connect);
        assertEquals(1008, refused.code());
        assertEquals("Invalid token", refused.reason());
    }

    @Test
    @DisplayName("§11.2: a disconnect removes the connection from every room, and the last one out deletes the room")
    void cleanupOnDisconnect() throws Exception {
        start();
        Recorder a = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", a)) {
            PortcullisClient bob = Clients.connected(server, "bob");
            get(alice.join("a"));
            get(bob.join("a"));
            get(bob.join("b"));
            assertEquals(PresenceEvent.JOIN, a.await(Presence.class, 1).get(0).event());
            // joined is queued while the registry is still adding the room; the count follows at once.
            await().atMost(Duration.ofSeconds(5)).until(() -> server.rooms().roomCount() == 2);
            bob.close();
            assertEquals(new Presence("a", "bob", PresenceEvent.LEAVE), a.await(Presence.class, 2).get(1));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.rooms().roomCount() == 1);
            assertEquals(1, server.rooms().membershipCount());
            get(alice.leave("a"));
            assertEquals(0, server.rooms().roomCount());
        }
    }

    private static void assertAllowed(PortcullisClient c, String room) {
        List<String> members = get(c.join(room));
        assertTrue(members.contains(c.user()), room + ": " + members);
    }

    private static void assertDenied(PortcullisClient c, String room) {
        assertEquals(Optional.of(room), refused(c.join(room), "access_denied").room(), room);
    }
}
