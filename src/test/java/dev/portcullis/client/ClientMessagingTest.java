package dev.portcullis.client;

import static dev.portcullis.testing.Clients.failure;
import static dev.portcullis.testing.Clients.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.client.ClientListener.PresenceEvent;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client against a real server: the gate, rooms, messages and their acknowledgements, refusals. */
class ClientMessagingTest {
    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    @Test
    @DisplayName("§4.7: two clients log in, pass the gate and join; a message is acknowledged by its relayed copy and reaches the other")
    void sendAndAcknowledge() throws Exception {
        server = servers.start();
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", a);
             PortcullisClient bob = Clients.connected(server, "bob", b)) {
            assertEquals(ClientState.AUTHENTICATED, alice.state());
            assertEquals("alice", alice.user());
            assertEquals(List.of("user"), alice.roles());
            assertEquals(List.of(new Recorder.StateChange(ClientState.NEW, ClientState.CONNECTING),
                    new Recorder.StateChange(ClientState.CONNECTING, ClientState.AUTHENTICATED)), a.all(Recorder.StateChange.class));
            assertEquals("alice", a.all(Recorder.Authenticated.class).get(0).user());

            assertEquals(List.of("alice"), get(alice.join("lobby")));
            assertEquals(List.of("alice", "bob"), get(bob.join("lobby")));
            assertEquals(Set.of("lobby"), alice.rooms());

            // Numbers keep their digits both ways (protocol.md §4.7).
            String payload = "{\"text\":\"hi bob\",\"price\":1.10}";
            RoomMessage ack = get(alice.send("lobby", payload, "a-1"));
            long ts = server.clock().millis(); // the server's clock does not move in this test
            assertEquals(new RoomMessage("lobby", "alice", payload, "a-1", 1, ts), ack);
            await().until(() -> b.all(Recorder.Message.class).size() == 1);
            assertEquals(new Recorder.Message("lobby", "alice", payload, "a-1", 1, ts), b.all(Recorder.Message.class).get(0));
            assertEquals(List.of(new Recorder.Message("lobby", "alice", payload, "a-1", 1, ts)), a.all(Recorder.Message.class),
                    "the sender sees its own copy too");

            // Without an id the client makes one up, so the ack still finds its request.
            RoomMessage reply = get(bob.send("lobby", "\"hello alice\"", null));
            assertEquals(2, reply.seq());
            assertTrue(reply.id() != null && !reply.id().isEmpty());
            await().until(() -> a.all(Recorder.Message.class).size() == 2);
            assertEquals("\"hello alice\"", a.all(Recorder.Message.class).get(1).payloadJson());

            // Many sends in a row are acknowledged in order.
            List<RoomMessage> acks = java.util.stream.IntStream.range(0, 20)
                    .mapToObj(i -> alice.send("lobby", Integer.toString(i), null)).toList()
                    .stream().map(Clients::get).toList();
            for (int i = 0; i < acks.size(); i++) {
                assertEquals(Integer.toString(i), acks.get(i).payloadJson());
                assertEquals(3 + i, acks.get(i).seq());
            }
        }
    }

    @Test
    @DisplayName("§4.8: members see each other arrive and leave; leave is answered and forgets the room")
    void presence() throws Exception {
        server = servers.start();
        Recorder a = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", a)) {
            get(alice.join("lobby"));
            try (PortcullisClient bob = Clients.connected(server, "bob", new Recorder())) {
                assertEquals(List.of("alice", "bob"), get(bob.join("lobby")));
                await().until(() -> a.all(Recorder.Presence.class).size() == 1);
                get(bob.leave("lobby"));
                assertEquals(Set.of(), bob.rooms());
                await().until(() -> a.all(Recorder.Presence.class).size() == 2);
                get(bob.join("lobby"));
                await().until(() -> a.all(Recorder.Presence.class).size() == 3);
            }
            // Closing the client disconnects, which counts as leaving.
            await().until(() -> a.all(Recorder.Presence.class).size() == 4);
            assertEquals(List.of(
                    new Recorder.Presence("lobby", "bob", PresenceEvent.JOIN),
                    new Recorder.Presence("lobby", "bob", PresenceEvent.LEAVE),
                    new Recorder.Presence("lobby", "bob", PresenceEvent.JOIN),
                    new Recorder.Presence("lobby", "bob", PresenceEvent.LEAVE)), a.all(Recorder.Presence.class));
        }
    }

    @Test
    @DisplayName("§5: refused requests fail their futures with the error's code, room and id, even errors without room or id; the connection stays open")
    void refusals() throws Exception {
        Files.writeString(servers.dir().resolve("rooms.json"), "{\"rooms\":[{\"name\":\"staff-lounge\",\"roles\":[\"staff\"]}]}");
        server = servers.start("--rooms", servers.dir().resolve("rooms.json").toString(), "--rate-limit", "bucket:4:1");
        Recorder a = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", a)) {
            RequestRefusedException denied = assertInstanceOf(RequestRefusedException.class, failure(alice.join("staff-lounge")));
            assertEquals("access_denied", denied.code());
            assertEquals(Optional.of("staff-lounge"), denied.room());
            assertEquals(Optional.empty(), denied.id());
            RequestRefusedException notMember = assertInstanceOf(RequestRefusedException.class,
                    failure(alice.send("elsewhere", "1", "m-1")));
            assertEquals("not_a_member", notMember.code());
            assertEquals(Optional.of("elsewhere"), notMember.room());
            assertEquals(Optional.of("m-1"), notMember.id());
            assertEquals(Set.of(), alice.rooms());
            get(alice.join("lobby"));
            get(alice.send("lobby", "1", null));
            // The bucket of 4 is empty: a rate-limited join carries neither room nor id, yet fails the right future.
            RequestRefusedException limited = assertInstanceOf(RequestRefusedException.class, failure(alice.join("other")));
            assertEquals("rate_limited", limited.code());
            assertTrue(limited.retryAfter().isPresent());
            assertEquals(Optional.empty(), limited.room(), "a rate-limited error never names a room");
            assertEquals(List.of("access_denied", "not_a_member", "rate_limited"),
                    a.all(Recorder.Error.class).stream().map(Recorder.Error::code).toList());
            assertEquals(ClientState.AUTHENTICATED, alice.state());
        }
    }

    @Test
    @DisplayName("Requests the server would refuse as malformed fail before sending; requests while not connected fail with NotConnectedException; the builder wants one way to get tokens")
    void localChecks() {
        server = servers.start();
        try (PortcullisClient alice = Clients.of(server, "alice", new Recorder()).build()) {
            assertThrows(IllegalArgumentException.class, () -> alice.join("no spaces"));
            assertThrows(IllegalArgumentException.class, () -> alice.join("x".repeat(65)));
            assertThrows(IllegalArgumentException.class, () -> alice.send("lobby", "{\"unclosed\":", null));
            assertThrows(IllegalArgumentException.class, () -> alice.send("lobby", "1 2", null));
            assertThrows(IllegalArgumentException.class, () -> alice.send("lobby", "", null));
            assertThrows(IllegalArgumentException.class, () -> alice.send("lobby", "1", "i".repeat(129)));
            NotConnectedException e = assertInstanceOf(NotConnectedException.class, failure(alice.join("lobby")));
            assertEquals(ClientState.NEW, e.state());
        }
        assertThrows(IllegalStateException.class, () -> Clients.of(server, "alice", new Recorder()).tokenSupplier(() -> "t").build(),
                "one way to get tokens");
        assertThrows(IllegalStateException.class, () -> PortcullisClient.builder().wsUri(server.wsUri()).credentials("a", "b").build(),
                "a login needs the HTTP API");
    }
}
