package dev.portcullis.room;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Wire;
import dev.portcullis.testing.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Joining, leaving, messages and presence against a real server: protocol.md §4.4-§4.8 and §11.1. */
class RoomTest {
    @TempDir
    Path dir;
    TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private TestServer start(String... args) {
        server = TestServer.start(dir, args);
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
    void presencePerUser() {
        start();
        try (RecordingClient alice = server.authenticated("alice");
             RecordingClient bob1 = server.authenticated("bob");
             RecordingClient bob2 = server.authenticated("bob")) {
            alice.send(Wire.join("lobby")).awaitMessage("joined");
            bob1.send(Wire.join("lobby")).awaitMessage("joined");
            assertEquals("join", alice.awaitMessage("presence").get("event").asText());
            bob2.send(Wire.join("lobby"));
            assertEquals("[\"alice\",\"bob\"]", bob2.awaitMessage("joined").get("members").toString());
            bob1.close();
            bob2.send(Wire.message("lobby", "1", "sync"));
            bob2.awaitMessage("message");
            JsonNode next = alice.awaitMessage();
            assertEquals("message", next.get("type").asText(), "no presence while bob still has a connection: " + next);
            bob2.close();
            assertEquals("leave", alice.awaitMessage("presence").get("event").asText());
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
    void nonMemberCannotSendOrListen() {
        start();
        try (RecordingClient alice = server.authenticated("alice");
             RecordingClient bob = server.authenticated("bob")) {
            alice.send(Wire.join("secret")).awaitMessage("joined");
            bob.send(Wire.message("secret", "\"intrusion\"", "x1"));
            JsonNode e = bob.awaitError("not_a_member");
            assertEquals("secret", e.get("room").asText());
            assertEquals("x1", e.get("id").asText());
            bob.send("{\"type\":\"leave\",\"room\":\"secret\"}");
            bob.awaitError("not_a_member");

            alice.send(Wire.message("secret", "\"for members only\"", null));
            alice.awaitMessage("message");
            // bob asks something; its answer must be the very next thing bob sees: no room traffic leaked before it
            bob.send(Wire.join("elsewhere"));
            assertEquals("elsewhere", bob.awaitMessage("joined").get("room").asText());
            alice.send(Wire.message("secret", "\"still\"", null));
            assertEquals(2, alice.awaitMessage("message").get("seq").asLong());
            bob.send(Wire.join("elsewhere"));
            bob.awaitMessage("joined");
            bob.assertNoEvents();
            alice.assertNoEvents();
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
    void roomLimit() {
        start("--max-rooms-per-connection", "2");
        try (RecordingClient alice = server.authenticated("alice")) {
            alice.send(Wire.join("r1")).awaitMessage("joined");
            alice.send(Wire.join("r2")).awaitMessage("joined");
            assertEquals("r3", alice.send(Wire.join("r3")).awaitError("too_many_rooms").get("room").asText());
            alice.send(Wire.join("r1")).awaitMessage("joined"); // already a member: still fine
            alice.send("{\"type\":\"leave\",\"room\":\"r2\"}").awaitMessage("left");
            alice.send(Wire.join("r3")).awaitMessage("joined");
        }
    }

    @Test
    @DisplayName("§11.1: rules allow and deny by user, by role and by glob, first match wins, and unlisted rooms follow --room-default")
    void roomRules() throws IOException {
        Path rules = dir.resolve("rooms.json");
        Files.writeString(rules, """
                {"rooms":[
                  {"name":"staff-lounge","roles":["staff","admin"]},
                  {"name":"team-red-*","users":["alice"]},
                  {"name":"team-*","users":["bob"],"roles":["admin"]},
                  {"name":"public-?","users":["*"]}
                ]}""");
        start("--rooms", rules.toString(), "--room-default", "deny");
        try (RecordingClient alice = server.authenticated("alice");
             RecordingClient bob = server.authenticated("bob");
             RecordingClient carol = server.authenticated("carol");
             RecordingClient root = server.authenticated("root")) {
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
    void tokenRoomsClaim() {
        start();
        String narrowed = Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofHours(1))
                .withClaim("rooms", List.of("chat-*", "news")), TestServer.SECRET);
        try (RecordingClient alice = server.authenticatedWith(narrowed)) {
            assertAllowed(alice, "chat-1");
            assertAllowed(alice, "news");
            assertDenied(alice, "newsroom");
            assertDenied(alice, "lobby");
        }
        String malformed = Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofHours(1))
                .withClaim("rooms", "chat-*"), TestServer.SECRET);
        try (RecordingClient c = server.connect()) {
            c.auth(malformed);
            c.awaitClose(1008, "Invalid token");
        }
    }

    @Test
    @DisplayName("§11.2: a disconnect removes the connection from every room, and the last one out deletes the room")
    void cleanupOnDisconnect() {
        start();
        try (RecordingClient alice = server.authenticated("alice")) {
            RecordingClient bob = server.authenticated("bob");
            alice.send(Wire.join("a")).awaitMessage("joined");
            bob.send(Wire.join("a")).awaitMessage("joined");
            bob.send(Wire.join("b")).awaitMessage("joined");
            assertEquals("join", alice.awaitMessage("presence").get("event").asText());
            // joined is queued while the registry is still adding the room; the count follows at once.
            await().atMost(Duration.ofSeconds(5)).until(() -> server.rooms().roomCount() == 2);
            bob.close();
            assertEquals("leave", alice.awaitMessage("presence").get("event").asText());
            await().atMost(Duration.ofSeconds(5)).until(() -> server.rooms().roomCount() == 1);
            assertEquals(1, server.rooms().membershipCount());
            alice.send("{\"type\":\"leave\",\"room\":\"a\"}").awaitMessage("left");
            assertEquals(0, server.rooms().roomCount());
        }
    }

    private static void assertAllowed(RecordingClient c, String room) {
        c.send(Wire.join(room));
        JsonNode reply = nextIgnoringPresence(c);
        assertEquals("joined", reply.get("type").asText(), room + ": " + reply);
        assertEquals(room, reply.get("room").asText(), room);
    }

    private static void assertDenied(RecordingClient c, String room) {
        c.send(Wire.join(room));
        JsonNode reply = nextIgnoringPresence(c);
        assertEquals("access_denied", reply.path("code").asText(), room + ": " + reply);
        assertEquals(room, reply.get("room").asText());
    }

    /** Other users joining the same rooms announce themselves; these tests are about the replies. */
    private static JsonNode nextIgnoringPresence(RecordingClient c) {
        JsonNode m = c.awaitMessage();
        while (m.get("type").asText().equals("presence")) {
            m = c.awaitMessage();
        }
        return m;
    }
}
