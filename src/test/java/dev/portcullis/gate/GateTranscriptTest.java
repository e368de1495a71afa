package dev.portcullis.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.User;
import dev.portcullis.auth.JwtSecret;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;

/**
 * The gate without sockets (protocol.md §2, §6, §13): each test is a transcript of what a client sent,
 * what the server answered and how it closed, with time moved by hand. Milliseconds each; the socket
 * suite proves the same on the wire.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class GateTranscriptTest {
    @TempDir
    Path dir;
    private GateHarness gate;

    private GateHarness gate(String... flags) {
        gate = new GateHarness(dir, flags);
        return gate;
    }

    @AfterEach
    void close() throws Exception {
        if (gate != null) {
            gate.close();
        }
    }

    private static void assertClosed(GateHarness.Peer peer, String closedWith) {
        assertEquals(closedWith, peer.connection.closedWith());
        assertEquals(1, peer.connection.closes(), "one close, whatever raced");
        assertTrue(peer.session.state() == ConnectionState.CLOSED || peer.session.state() == ConnectionState.BLOCKED);
    }

    @Test
    @DisplayName("§2, §6: no auth within --auth-timeout closes with 1008 Auth timeout, not a millisecond earlier")
    void authTimeout() throws Exception {
        GateHarness g = gate("--auth-timeout", "5s");
        GateHarness.Peer peer = g.open();
        g.scheduler.advance(Duration.ofMillis(4999));
        assertNull(peer.connection.closedWith());
        g.scheduler.advance(Duration.ofMillis(1));
        assertClosed(peer, "1008 Auth timeout");
        assertTrue(g.audit().stream().anyMatch(e -> e.path("event").asText().equals("auth_failed")
                && e.path("reason").asText().equals("Auth timeout")));
    }

    @Test
    @DisplayName("§2: an auth in time cancels the deadline; nothing is left scheduled but the expiry warning")
    void authInTime() {
        GateHarness g = gate();
        GateHarness.Peer peer = g.open().authenticated("alice");
        g.scheduler.advance(Duration.ofSeconds(30));
        assertNull(peer.connection.closedWith());
        assertEquals(ConnectionState.AUTHENTICATED, peer.session.state());
        assertEquals(1, g.scheduler.pending().size(), "the expiry warning alone: " + g.scheduler.pending());
        assertTrue(peer.connection.wasAuthenticated());
    }

    @Test
    @DisplayName("§12.6: the pending cap displaces the oldest unauthenticated connection with 1008 Server busy, never an authenticated one")
    void displaced() {
        GateHarness g = gate();
        GateHarness.Peer waiting = g.open();
        GateHarness.Peer in = g.open().authenticated("alice");
        g.gate.displaced(waiting.session);
        g.gate.displaced(in.session);
        assertClosed(waiting, "1008 Server busy");
        assertNull(in.connection.closedWith());
    }

    @Test
    @DisplayName("§2: before auth_ok every first frame other than an auth closes with 1008 Expected auth message and no error")
    void expectedAuth() {
        GateHarness g = gate();
        for (String first : List.of("{\"type\":\"join\",\"room\":\"r\"}", "{\"type\":\"nope\"}", "not json",
                "{\"type\":\"auth\"}", "{\"type\":\"auth\",\"token\":\"a\",\"ticket\":\"b\"}")) {
            GateHarness.Peer peer = g.open().send(first);
            assertClosed(peer, "1008 Expected auth message");
            assertEquals(0, peer.unread(), first);
        }
        GateHarness.Peer binary = g.open().sendBinary();
        assertClosed(binary, "1008 Expected auth message");
    }

    @Test
    @DisplayName("§2, §6: each failed check of an auth closes with its own reason, in the order of §2")
    void failedChecks() throws Exception {
        GateHarness g = gate("--auth-modes", "message");
        String forged = com.auth0.jwt.JWT.create().withIssuer("portcullis").withSubject("alice")
                .withExpiresAt(g.clock.instant().plusSeconds(600))
                .sign(com.auth0.jwt.algorithms.Algorithm.HMAC256("another-secret-that-is-long-enough-0123456789"));
        assertClosed(g.open().auth(forged), "1008 Invalid token");

        String soonExpired = g.token("alice");
        g.clock.advance(Duration.ofHours(2));
        assertClosed(g.open().auth(soonExpired), "1008 Token expired");

        assertClosed(g.open().send("{\"type\":\"auth\",\"token\":\"" + g.token("alice") + "\",\"encryption\":\"rot13\"}"),
                "1008 Encryption unavailable");
        assertClosed(g.open().send("{\"type\":\"auth\",\"ticket\":\"t\"}"), "1008 Expected auth message");

        String revoked = g.token("alice");
        g.shared.revoke(verify(g, revoked)).join();
        assertClosed(g.open().auth(revoked), "1008 Token revoked");

        assertClosed(g.open().auth(g.token("carol")), "1008 User disabled");

        g.abuse.block("bob", g.clock.instant().plusSeconds(600), "test", "root").join();
        assertClosed(g.open().auth(g.token("bob")), "1008 User blocked");
    }

    @Test
    @DisplayName("§13.6: an unknown or used ticket closes with 1008 Invalid or expired ticket; a fresh one opens the gate once")
    void tickets() {
        GateHarness g = gate();
        assertClosed(g.open().send("{\"type\":\"auth\",\"ticket\":\"no-such-ticket\"}"), "1008 Invalid or expired ticket");
        String ticket = g.tickets.issue(verify(g, g.token("alice"))).join();
        GateHarness.Peer first = g.open().send("{\"type\":\"auth\",\"ticket\":\"" + ticket + "\"}");
        assertEquals("auth_ok", first.next().path("type").asText());
        assertClosed(g.open().send("{\"type\":\"auth\",\"ticket\":\"" + ticket + "\"}"), "1008 Invalid or expired ticket");
    }

    @Test
    @DisplayName("§2: after auth_ok each refusal of the table is an error on a connection that stays open")
    void authenticatedRefusals() {
        GateHarness g = gate();
        GateHarness.Peer peer = g.open().authenticated("alice");
        peer.auth(g.token("alice"));
        assertError(peer.next(), "already_authenticated");
        peer.send("{\"type\":\"dance\"}");
        assertError(peer.next(), "unknown_type");
        peer.send("{\"type\":");
        assertError(peer.next(), "malformed_message");
        peer.sendBinary();
        assertError(peer.next(), "binary_not_supported");
        peer.send("{\"type\":\"join\",\"room\":\"lobby\"}");
        JsonNode joined = peer.next();
        assertEquals("joined", joined.path("type").asText(), joined.toString());
        assertNull(peer.connection.closedWith());
    }

    @Test
    @DisplayName("§12.1: past the rate every message is dropped with rate_limited, whatever it is")
    void rateLimited() {
        GateHarness g = gate("--rate-limit", "bucket:2:1", "--block-after", "off");
        GateHarness.Peer peer = g.open().authenticated("alice");
        for (int i = 0; i < 3; i++) {
            peer.send("{\"type\":\"dance\"}");
        }
        assertError(peer.next(), "unknown_type");
        assertError(peer.next(), "unknown_type");
        assertError(peer.next(), "rate_limited");
        g.clock.advance(Duration.ofSeconds(1));
        peer.sendBinary();
        assertError(peer.next(), "binary_not_supported");
    }

    @Test
    @DisplayName("§13.3: an expiring warning before the end, then 1008 Token expired at exp plus leeway; a refresh moves both")
    void expiry() {
        GateHarness g = gate("--token-ttl", "10m", "--expiry-warning", "1m", "--clock-leeway", "5s");
        GateHarness.Peer peer = g.open().authenticated("alice");
        g.scheduler.advance(Duration.ofMinutes(9).minusSeconds(1));
        assertEquals(0, peer.unread());
        g.scheduler.advance(Duration.ofSeconds(1));
        assertEquals("expiring", peer.next().path("type").asText());
        peer.send("{\"type\":\"refresh\",\"token\":\"" + g.token("alice") + "\"}");
        assertEquals("refreshed", peer.next().path("type").asText());
        g.scheduler.advance(Duration.ofMinutes(1).plusSeconds(5));
        assertNull(peer.connection.closedWith(), "the old end no longer holds");
        g.scheduler.advance(Duration.ofMinutes(9));
        assertEquals("expiring", peer.next().path("type").asText());
        g.scheduler.advance(Duration.ofMinutes(1).plusSeconds(5));
        assertClosed(peer, "1008 Token expired");
        peer.send("{\"type\":\"join\",\"room\":\"r\"}");
        assertEquals(0, peer.unread(), "nothing is handled or sent once the server decided to close");
    }

    @Test
    @DisplayName("§13.3: a timer that fired before the server's clock reached its time waits on, and a refresh still cancels it")
    void rearmedTimerCancelled() {
        GateHarness g = gate("--token-ttl", "10m", "--expiry-warning", "1m");
        GateHarness.Peer peer = g.open().authenticated("alice");
        // The scheduler's time runs ahead of the server's clock: the warning fires early and waits on.
        g.scheduler.fireNext();
        assertEquals(0, peer.unread());
        assertEquals(1, g.scheduler.pending().size(), "the warning re-armed");
        peer.send("{\"type\":\"refresh\",\"token\":\"" + g.token("alice") + "\"}");
        assertEquals("refreshed", peer.next().path("type").asText());
        assertEquals(1, g.scheduler.pending().size(), "the old warning is gone, the new one waits: " + g.scheduler.pending());
        g.scheduler.advance(Duration.ofMinutes(2));
        assertEquals(0, peer.unread(), "no warning for the old token");
    }

    @Test
    @DisplayName("§13.4, §13.5: a revocation and a user gone from the users file end live sessions (CREDENTIAL_ENDED)")
    void credentialEnds() throws Exception {
        GateHarness g = gate();
        GateHarness.Peer alice = g.open().authenticated("alice");
        GateHarness.Peer bob = g.open().authenticated("bob");
        g.shared.revokeAll("alice", Duration.ofDays(1)).join();
        assertClosed(alice, "1008 Token revoked");
        g.writeUsers(List.of(new User("alice", "$2a$04$" + "a".repeat(53), List.of("user"))));
        g.lifecycle.revalidate();
        assertClosed(bob, "1008 User disabled");
        assertTrue(g.audit().stream().filter(e -> e.path("event").asText().equals("session_ended")).count() >= 2);
    }

    @Test
    @DisplayName("§12.2: a block moves every connection of the user to BLOCKED with 1008 Blocked for abuse; its frames are then ignored")
    void blocked() {
        GateHarness g = gate();
        GateHarness.Peer one = g.open().authenticated("alice");
        GateHarness.Peer two = g.open().authenticated("alice");
        g.abuse.block("alice", g.clock.instant().plusSeconds(600), "test", "root").join();
        for (GateHarness.Peer p : List.of(one, two)) {
            assertClosed(p, "1008 Blocked for abuse");
            assertEquals(ConnectionState.BLOCKED, p.session.state());
            p.send("{\"type\":\"dance\"}");
            assertEquals(0, p.unread());
        }
    }

    @Test
    @DisplayName("§12.2: a block leaves a connection still authenticating open; its auth then closes with 1008 User blocked")
    void blockWhileAuthenticating() {
        GateHarness g = gate();
        GateHarness.Peer waiting = g.open();
        g.abuse.block("alice", g.clock.instant().plusSeconds(600), "test", "root").join();
        assertNull(waiting.connection.closedWith(), "not closed by the block: nobody is known yet");
        waiting.auth(g.token("alice"));
        assertClosed(waiting, "1008 User blocked");
        assertEquals(0, waiting.unread(), "no auth_ok");
        g.abuse.unblock("alice", "root").join();
        GateHarness.Peer after = g.open().authenticated("alice");
        assertEquals(ConnectionState.AUTHENTICATED, after.session.state());
    }

    @Test
    @DisplayName("§11.3: a message that does not fit closes a slow consumer with 1008 Slow consumer, and it is handled no more")
    void slowConsumer() {
        GateHarness g = gate();
        GateHarness.Peer peer = g.open().authenticated("alice");
        peer.connection.full(true);
        peer.send("{\"type\":\"join\",\"room\":\"r\"}");
        assertClosed(peer, "1008 Slow consumer");
        peer.connection.full(false);
        peer.send("{\"type\":\"dance\"}");
        assertEquals(0, peer.unread());
    }

    @Test
    @DisplayName("§14.3: on an encrypted connection a frame that does not open gets decryption_failed in the clear; a sealed one is handled")
    void undecryptable() throws Exception {
        GateHarness g = gate();
        GateHarness.Peer peer = g.open().send("{\"type\":\"auth\",\"token\":\"" + g.token("alice") + "\",\"encryption\":\"fernet\"}");
        assertEquals("fernet", peer.next().path("encryption").asText());
        peer.send("not a fernet token");
        assertError(peer.next(), "decryption_failed");
        peer.send(g.fernet.encrypt("{\"type\":\"dance\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        String sealed = peer.connection.sent().get(peer.connection.sent().size() - 1);
        String opened = new String(g.fernet.decrypt(sealed, null), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(opened.contains("\"unknown_type\""), opened);
    }

    @Test
    @DisplayName("§2: a client close moves the connection to CLOSED; the audit log says who closed, by the state, not the library")
    void disconnect() throws Exception {
        GateHarness g = gate();
        GateHarness.Peer peer = g.open().authenticated("alice");
        peer.closed(1000, "bye", true);
        assertEquals(ConnectionState.CLOSED, peer.session.state());
        assertNull(peer.connection.closedWith(), "the server started no close");
        // The library reports the client's reply, as remote, when it is read before the server's own close
        // frame is fully written; the server's close is what the audit log records.
        GateHarness.Peer refused = g.open().auth("forged");
        refused.closed(1000, "bye", true);
        List<String> by = g.audit().stream().filter(e -> e.path("event").asText().equals("ws_close"))
                .map(e -> e.path("code").asInt() + " " + e.path("by").asText()).toList();
        assertEquals(List.of("1000 client", "1008 server"), by);
    }

    @Test
    @DisplayName("§2, §15: a message that finds the inbox full closes with 1011 Try again later, before auth_ok and after it")
    void inboxFull() throws Exception {
        GateHarness g = gate();
        GateHarness.Peer waiting = g.open();
        GateHarness.Peer in = g.open().authenticated("alice");
        for (GateHarness.Peer peer : List.of(waiting, in)) {
            // A step that never completes stands for a stalled cluster: everything behind it waits.
            assertTrue(peer.session.inbox().submit(java.util.concurrent.CompletableFuture::new));
            for (int i = 0; i < Session.INBOX_CAPACITY; i++) {
                peer.send("{\"type\":\"dance\"}");
            }
            assertClosed(peer, "1011 Try again later");
        }
        assertEquals(ConnectionState.CLOSED, waiting.session.state());
        assertTrue(g.audit().stream().anyMatch(e -> e.path("event").asText().equals("auth_failed")
                && e.path("reason").asText().equals("Try again later")), "before auth_ok it is a failed auth");
    }

    @Test
    @DisplayName("§2, §6: the transport's own closes (control frames, memory budget, heartbeat, shutdown, a bug) go through the table too")
    void transportCloses() {
        GateHarness g = gate();
        Map<CloseReason, GateHarness.Peer> closed = new java.util.LinkedHashMap<>();
        for (CloseReason reason : List.of(CloseReason.CONTROL_FLOOD, CloseReason.OVERLOADED, CloseReason.INTERNAL_ERROR)) {
            GateHarness.Peer peer = g.open().authenticated("alice");
            assertTrue(peer.session.close(ConnectionState.Event.SERVER_CLOSE, reason));
            closed.put(reason, peer);
        }
        closed.forEach((reason, peer) -> assertClosed(peer, reason.code() + " " + reason.reason()));

        GateHarness.Peer dropped = g.open().authenticated("bob");
        assertTrue(dropped.session.abort("Heartbeat timeout"));
        assertClosed(dropped, "abort: Heartbeat timeout");

        // Shutdown and the library's 1002, 1007, 1009: the library closes, the state follows at once.
        GateHarness.Peer shutdown = g.open().authenticated("bob");
        shutdown.session.closedByTransport(1001, "Server shutting down");
        shutdown.send("{\"type\":\"join\",\"room\":\"r\"}");
        assertEquals(0, shutdown.unread(), "nothing handled once the transport closes");
        assertEquals(ConnectionState.CLOSED, shutdown.session.state());

        GateHarness.Peer blocked = g.open().authenticated("bob");
        g.abuse.block("bob", g.clock.instant().plusSeconds(60), "test", "root").join();
        assertEquals(false, blocked.session.close(ConnectionState.Event.SERVER_CLOSE, CloseReason.OVERLOADED),
                "a blocked connection is on its way out already");
        assertClosed(blocked, "1008 Blocked for abuse");
    }

    private static void assertError(JsonNode message, String code) {
        assertEquals("error", message.path("type").asText(), message.toString());
        assertEquals(code, message.path("code").asText(), message.toString());
    }

    private static dev.portcullis.auth.VerifiedToken verify(GateHarness g, String token) {
        try {
            return new TokenVerifier(JwtSecret.fromText(GateHarness.SECRET), "portcullis", Duration.ofSeconds(5), g.clock)
                    .verify(token);
        } catch (dev.portcullis.auth.TokenRejectedException e) {
            throw new AssertionError(e);
        }
    }
}
