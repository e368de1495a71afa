package dev.portcullis.client;

import static dev.portcullis.testing.Clients.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Tokens;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client's token lifecycle and reconnects against a real server: protocol.md §6 and §13. */
class ClientLifecycleTest {
    /** Longer than several backoff ceilings of {@link Clients#FAST}: long enough to see a reconnect that should not happen. */
    private static final Duration QUIET = Duration.ofMillis(300);

    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    private long connects() {
        return server.auditEvents().stream().filter(e -> e.path("event").asText().equals("ws_connect")).count();
    }

    /**
     * No reconnect follows: the audit log gains no connection for a while. A reconnect would make the count
     * stay above {@code expected} for good, so the generous upper bound (slow reads of the log on a loaded
     * machine) cannot hide one.
     */
    private void assertNoMoreConnects(long expected) {
        await().until(() -> connects() >= expected);
        await().during(QUIET).atMost(QUIET.multipliedBy(10)).until(() -> connects() == expected);
    }

    @Test
    @DisplayName("§13.3: on 'expiring' the client gets a token from POST /auth/refresh and sends 'refresh'; the connection outlives its first token")
    void refreshesOnExpiring() throws Exception {
        server = servers.start("--expiry-warning", "1s", "--clock-leeway", "0s");
        String token = server.login("alice", TestServer.PASSWORD);
        Instant exp = JWT.decode(token).getExpiresAtAsInstant();
        // Timers follow the server's clock: half a second of real time before the warning is due.
        server.clock().set(exp.minusMillis(1500));
        AtomicInteger supplied = new AtomicInteger();
        Recorder r = new Recorder();
        PortcullisClient.Builder builder = PortcullisClient.builder()
                .httpUri(server.httpUri("")).wsUri(server.wsUri()).clock(server.clock())
                .backoff(Clients.FAST).listener(r)
                .tokenSupplier(() -> {
                    supplied.incrementAndGet();
                    return token;
                });
        try (PortcullisClient alice = builder.build()) {
            alice.connect();
            assertEquals(exp, alice.expiresAt().orElseThrow());
            server.clock().set(exp.minusSeconds(1)); // the warning timer checks the clock when it fires
            await().until(() -> !r.all(Recorder.Refreshed.class).isEmpty());
            Instant renewed = r.all(Recorder.Refreshed.class).get(0).expiresAt();
            assertTrue(renewed.isAfter(exp.plusSeconds(3000)), "a fresh token of an hour: " + renewed);
            assertEquals(renewed, alice.expiresAt().orElseThrow());

            // Past the first token's end: its close timer, set when 'expiring' went out and due a second of
            // real time later (then again every second while the clock says the token lives), would close the
            // connection now had the refresh left it. The server's timers run one at a time as they fall due,
            // so bob's warning, set after the clock moved and due a second later, and the close it brings
            // come after that timer has had its say.
            server.clock().set(exp.plusSeconds(1));
            String bystander = Tokens.hs256(Tokens.claims("bob", server.clock(), Duration.ofSeconds(2)), TestServer.SECRET);
            try (RecordingClient bob = server.authenticatedWith(bystander)) {
                bob.send("{\"type\":\"join\",\"room\":\"lobby\"}").awaitMessage("joined"); // its warning timer is set
                server.clock().set(JWT.decode(bystander).getExpiresAtAsInstant());
                bob.awaitMessage("expiring");
                bob.awaitClose(1008, "Token expired");
            }
            // Still in, on the same connection: a close would have reached alice before this answer.
            assertEquals(List.of("alice"), get(alice.join("still-here")));
            assertEquals(ClientState.AUTHENTICATED, alice.state());
            assertTrue(r.all(Recorder.Closed.class).isEmpty(), r.events.toString());
            assertEquals(1, supplied.get(), "refreshed over HTTP, not by asking the supplier again");
        }
    }

    @Test
    @DisplayName("§5 invalid_refresh: the old token stands and the client tries once more with a new credential")
    void retriesARefusedRefresh() throws Exception {
        server = servers.start("--expiry-warning", "1s", "--clock-leeway", "0s");
        String token = server.login("alice", TestServer.PASSWORD);
        Instant exp = JWT.decode(token).getExpiresAtAsInstant();
        server.clock().set(exp.minusMillis(1500));
        List<String> tokens = List.of(token, server.login("bob", TestServer.PASSWORD), server.login("alice", TestServer.PASSWORD));
        AtomicInteger calls = new AtomicInteger();
        Recorder r = new Recorder();
        // No HTTP API: every new token comes from the supplier.
        try (PortcullisClient alice = PortcullisClient.builder()
                .wsUri(server.wsUri()).clock(server.clock()).backoff(Clients.FAST).listener(r)
                .tokenSupplier(() -> tokens.get(calls.getAndIncrement()))
                .build()) {
            alice.connect();
            server.clock().set(exp.minusSeconds(1));
            await().until(() -> !r.all(Recorder.Refreshed.class).isEmpty());
            assertEquals(List.of("invalid_refresh"), r.all(Recorder.Error.class).stream().map(Recorder.Error::code).toList(),
                    "bob's token is refused for alice's connection");
            assertEquals(JWT.decode(tokens.get(2)).getExpiresAtAsInstant(), alice.expiresAt().orElseThrow());
            assertEquals(3, calls.get());
            assertEquals(ClientState.AUTHENTICATED, alice.state());
        }
    }

    @Test
    @DisplayName("§6: after 1001 Server shutting down the client reconnects to the server restarted on the same ports and re-joins its rooms")
    void reconnectsAfterRestart() throws Exception {
        server = servers.start();
        int wsPort = server.wsPort();
        int httpPort = server.httpUri("").getPort();
        Recorder r = new Recorder();
        // A new server brings a new test clock; the client checks its token against real time.
        try (PortcullisClient alice = Clients.of(server, "alice", r).clock(Clock.systemUTC()).build()) {
            alice.connect();
            get(alice.join("lobby"));
            get(alice.join("ops"));

            server.close();
            await().until(() -> r.all(Recorder.Closed.class).contains(new Recorder.Closed(1001, "Server shutting down")));
            // Down: attempts fail and back off.
            await().until(() -> r.all(Recorder.Reconnecting.class).size() >= 2);
            assertTrue(r.all(Recorder.Reconnecting.class).stream().allMatch(e -> e.delay().compareTo(Clients.FAST.cap()) < 0));

            server = servers.startAfter(server, "--ws-port", Integer.toString(wsPort), "--http-port", Integer.toString(httpPort));
            await().until(() -> r.all(Recorder.Joined.class).size() == 4);
            assertEquals(ClientState.AUTHENTICATED, alice.state());
            assertEquals(2, r.all(Recorder.Authenticated.class).size());
            assertEquals(List.of("lobby", "ops"), r.all(Recorder.Joined.class).subList(2, 4).stream().map(Recorder.Joined::room).toList());
            assertEquals(Set.of("lobby", "ops"), alice.rooms());

            // The new server really has alice in both rooms.
            try (PortcullisClient bob = Clients.connected(server, "bob", new Recorder())) {
                assertEquals(List.of("alice", "bob"), get(bob.join("lobby")));
                assertEquals(List.of("alice", "bob"), get(bob.join("ops")));
                get(bob.send("ops", "\"welcome back\"", "b-1"));
                await().until(() -> r.all(Recorder.Message.class).stream().anyMatch(m -> m.id().equals("b-1")));
                assertEquals(1, get(alice.send("lobby", "\"hi\"", null)).seq(), "a new server, a new room order");
            }
        }
    }

    @Test
    @DisplayName("§6: closed with Token expired, the client logs in again, reconnects at once and re-joins")
    void logsInAgainAfterTokenExpired() throws Exception {
        server = servers.start("--revalidate-interval", "100ms");
        Recorder r = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", r)) {
            get(alice.join("lobby")); // also: the server has set the session's timers before the clock moves
            Instant first = alice.expiresAt().orElseThrow();
            server.clock().advance(Duration.ofHours(2)); // the periodic re-check finds the token expired
            await().until(() -> r.all(Recorder.Authenticated.class).size() == 2 && r.all(Recorder.Joined.class).size() == 2);
            assertEquals(List.of(new Recorder.Closed(1008, "Token expired")), r.all(Recorder.Closed.class));
            assertEquals(Duration.ZERO, r.all(Recorder.Reconnecting.class).get(0).delay());
            assertTrue(alice.expiresAt().orElseThrow().isAfter(first.plus(Duration.ofMinutes(90))), "a new token from a new login");
            assertEquals(ClientState.AUTHENTICATED, alice.state());
            assertEquals(Set.of("lobby"), alice.rooms());
        }
    }

    @Test
    @DisplayName("§6 'Never': a first connect refused with Expected auth message throws the close code and reason, and nothing is retried")
    void firstConnectRefused() {
        server = servers.start();
        Recorder r = new Recorder();
        PortcullisClient client = PortcullisClient.builder()
                .wsUri(server.wsUri()).backoff(Clients.FAST).listener(r)
                .tokenSupplier(() -> "") // a buggy supplier: an auth without a token is a malformed first message
                .build();
        ConnectionClosedException e = assertThrows(ConnectionClosedException.class, client::connect);
        assertEquals(1008, e.code());
        assertEquals("Expected auth message", e.reason());
        assertEquals(ClientState.CLOSED, client.state());
        assertEquals(e, client.failure().orElseThrow());
        assertNoMoreConnects(1);
        assertTrue(r.all(Recorder.Reconnecting.class).isEmpty());
        client.close(); // idempotent on a stopped client
    }

    @ParameterizedTest(name = "supplier''s second token {0}: {1} {2}")
    @CsvSource({
            "'', 1008, Expected auth message",   // a client bug: never
            "not-a-jwt, 1008, Invalid token",     // a fresh credential refused: stop rather than loop
    })
    @DisplayName("§6: after Token expired the client asks for a new token; if the server refuses that one, it stops for good")
    void stopsWhenTheNewCredentialIsRefused(String second, int code, String reason) throws Exception {
        server = servers.start("--revalidate-interval", "100ms");
        String first = server.login("alice", TestServer.PASSWORD);
        AtomicInteger calls = new AtomicInteger();
        Recorder r = new Recorder();
        PortcullisClient client = PortcullisClient.builder()
                .wsUri(server.wsUri()).clock(server.clock()).backoff(Clients.FAST).listener(r)
                .tokenSupplier(() -> calls.incrementAndGet() == 1 ? first : second)
                .build();
        client.connect();
        // Answered after the server has set the session's timers: a clock moved before that would trigger 'expiring'.
        get(client.join("lobby"));
        server.clock().advance(Duration.ofHours(2));
        await().until(() -> client.state() == ClientState.CLOSED);
        assertEquals(List.of(new Recorder.Closed(1008, "Token expired"), new Recorder.Closed(code, reason)), r.all(Recorder.Closed.class),
                () -> r.events + " " + client.failure());
        assertEquals(2, calls.get());
        ConnectionClosedException why = assertInstanceOf(ConnectionClosedException.class, client.failure().orElseThrow());
        assertEquals(reason, why.reason());
        assertNoMoreConnects(2);
        assertInstanceOf(NotConnectedException.class, Clients.failure(client.join("lobby")));
        client.close();
    }

    @Test
    @DisplayName("§6 'Never': a logout elsewhere (Token revoked) and an admin's block (Blocked for abuse) end the client without a reconnect")
    void neverAfterRevocationOrBlock() throws Exception {
        server = servers.start();
        Recorder r = new Recorder();
        PortcullisClient alice = Clients.connected(server, "alice", r);
        String other = server.login("alice", TestServer.PASSWORD);
        assertEquals(200, server.send(HttpRequest.newBuilder(server.httpUri("/auth/logout"))
                .header("Authorization", "Bearer " + other)
                .POST(HttpRequest.BodyPublishers.ofString("{\"all\":true}")).build()).statusCode());
        await().until(() -> alice.state() == ClientState.CLOSED);
        assertEquals(List.of(new Recorder.Closed(1008, "Token revoked")), r.all(Recorder.Closed.class));
        assertTrue(r.all(Recorder.Reconnecting.class).isEmpty());
        assertNoMoreConnects(1);
        alice.close();

        server.clock().advance(Duration.ofSeconds(2)); // tokens issued after the logout-all are good again
        Recorder b = new Recorder();
        PortcullisClient bob = Clients.connected(server, "bob", b);
        String admin = server.login("root", TestServer.PASSWORD);
        assertEquals(200, server.send(HttpRequest.newBuilder(server.httpUri("/admin/block"))
                .header("Authorization", "Bearer " + admin)
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"bob\"}")).build()).statusCode());
        await().until(() -> bob.state() == ClientState.CLOSED);
        assertEquals(List.of(new Recorder.Closed(1008, "Blocked for abuse")), b.all(Recorder.Closed.class));
        assertNoMoreConnects(2);
        assertFalse(b.events.stream().anyMatch(e -> e instanceof Recorder.Reconnecting));
        bob.close();
    }
}
