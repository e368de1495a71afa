package dev.portcullis.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.client.ClientState;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.Slowdown;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Tokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The WebSocket gate against a real server: protocol.md §2 (states), §4 (messages), §6 (close reasons).
 * The raw RecordingClient sends the exact first messages, frames and tokens under test; only the honest
 * latecomer of silentHorde is the project's Java client.
 */
class GateTest {
    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    @BeforeEach
    void start() {
        server = servers.start();
    }

    @Test
    @DisplayName("§4.1/§4.2: a valid token as the first message opens the gate with auth_ok")
    void authOk() {
        String token = server.login("alice", TestServer.PASSWORD);
        try (RecordingClient c = server.connect()) {
            c.auth(token);
            JsonNode ok = c.awaitMessage("auth_ok");
            assertEquals("alice", ok.get("user").asText());
            assertEquals("user", ok.get("roles").get(0).asText());
            long expected = server.clock().instant().plus(Duration.ofHours(1)).getEpochSecond();
            assertEquals(expected, ok.get("expires_at").asLong(), 1);
        }
    }

    @Test
    @DisplayName("§6: no auth message within the deadline closes with 1008 Auth timeout")
    void authTimeout() {
        server.close();
        server = servers.startAfter(server, "--auth-timeout", "200ms");
        try (RecordingClient c = server.connect()) {
            c.awaitClose(1008, "Auth timeout");
        }
    }

    @Test
    @DisplayName("§6: a binary first frame closes with 1008 Expected auth message")
    void binaryFirstFrame() {
        try (RecordingClient c = server.connect()) {
            c.sendBinary("{\"type\":\"auth\"}".getBytes(StandardCharsets.UTF_8));
            c.awaitClose(1008, "Expected auth message");
        }
    }

    @Test
    @DisplayName("§6: a first frame that is not JSON closes with 1008 Expected auth message")
    void notJson() {
        try (RecordingClient c = server.connect()) {
            c.send("hello");
            c.awaitClose(1008, "Expected auth message");
        }
    }

    @Test
    @DisplayName("§6: a first message of another type closes with 1008 Expected auth message")
    void wrongType() {
        try (RecordingClient c = server.connect()) {
            c.send("{\"type\":\"join\",\"room\":\"lobby\"}");
            c.awaitClose(1008, "Expected auth message");
        }
    }

    @Test
    @DisplayName("§4.1: an auth message without a token closes with 1008 Expected auth message")
    void authWithoutToken() {
        try (RecordingClient c = server.connect()) {
            c.send("{\"type\":\"auth\",\"token\":42}");
            c.awaitClose(1008, "Expected auth message");
        }
    }

    @Test
    @DisplayName("§3/§6: a token signed with another secret closes with 1008 Invalid token")
    void forgedSignature() {
        String forged = Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofHours(1)),
                "another-secret-that-is-long-enough-0123456789");
        try (RecordingClient c = server.connect()) {
            c.auth(forged);
            c.awaitClose(1008, "Invalid token");
        }
    }

    @Test
    @DisplayName("§3/§6: an alg:none token closes with 1008 Invalid token")
    void algNone() {
        try (RecordingClient c = server.connect()) {
            c.auth(Tokens.none(Tokens.claims("alice", server.clock(), Duration.ofHours(1))));
            c.awaitClose(1008, "Invalid token");
        }
    }

    @Test
    @DisplayName("§3/§6: an RS256 token closes with 1008 Invalid token")
    void rs256() {
        // Minted first: making an RSA key can take longer than a deadline on a loaded machine.
        String token = Tokens.rs256(Tokens.claims("alice", server.clock(), Duration.ofHours(1)));
        try (RecordingClient c = server.connect()) {
            c.auth(token);
            c.awaitClose(1008, "Invalid token");
        }
    }

    @Test
    @DisplayName("§3/§6: a token from another issuer closes with 1008 Invalid token")
    void wrongIssuer() {
        String token = Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofHours(1)).withIssuer("evil"),
                TestServer.SECRET);
        try (RecordingClient c = server.connect()) {
            c.auth(token);
            c.awaitClose(1008, "Invalid token");
        }
    }

    @Test
    @DisplayName("§3/§6: a token that is not a JWT at all closes with 1008 Invalid token")
    void garbageToken() {
        try (RecordingClient c = server.connect()) {
            c.auth("not.a.jwt");
            c.awaitClose(1008, "Invalid token");
        }
    }

    @Test
    @DisplayName("§3/§6: a token past its exp (beyond the leeway) closes with 1008 Token expired")
    void expired() {
        String token = server.login("alice", TestServer.PASSWORD);
        server.clock().advance(Duration.ofHours(1).plusSeconds(6));
        try (RecordingClient c = server.connect()) {
            c.auth(token);
            c.awaitClose(1008, "Token expired");
        }
    }

    @Test
    @DisplayName("§3: a token expired by less than the clock leeway is still accepted")
    void withinLeeway() {
        String token = server.login("alice", TestServer.PASSWORD);
        server.clock().advance(Duration.ofHours(1).plusSeconds(3));
        try (RecordingClient c = server.connect()) {
            c.auth(token);
            c.awaitMessage("auth_ok");
        }
    }

    @Test
    @DisplayName("§3: an expired token with a forged signature reads as invalid, not expired")
    void expiredForgery() {
        String token = Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofSeconds(1)),
                "another-secret-that-is-long-enough-0123456789");
        server.clock().advance(Duration.ofHours(1));
        try (RecordingClient c = server.connect()) {
            c.auth(token);
            c.awaitClose(1008, "Invalid token");
        }
    }

    @Test
    @DisplayName("§2/§5: a second auth gets already_authenticated and the session stays as it was")
    void secondAuth() {
        try (RecordingClient c = server.authenticated("alice")) {
            c.auth(server.login("root", TestServer.PASSWORD));
            c.awaitError("already_authenticated");
            c.send("{\"type\":\"whoami\"}");
            c.awaitError("unknown_type");
            c.assertNoEvents();
        }
    }

    @Test
    @DisplayName("§5: after auth, malformed and unknown messages get errors and the connection stays open")
    void errorsAfterAuth() {
        try (RecordingClient c = server.authenticated("alice")) {
            c.send("{not json");
            JsonNode e = c.awaitError("malformed_message");
            assertFalse(e.get("message").asText().isEmpty());
            c.send("[1,2,3]");
            c.awaitError("malformed_message");
            c.send("{\"no_type\":1}");
            c.awaitError("malformed_message");
            c.send("{\"type\":\"join\",\"room\":\"r\"} trailing");
            c.awaitError("malformed_message");
            c.send("{\"type\":\"teleport\"}");
            c.awaitError("unknown_type");
            c.sendBinary(new byte[] {1, 2, 3});
            c.awaitError("binary_not_supported");
            c.send("[".repeat(1000));
            c.awaitError("malformed_message");
            c.auth("still-open");
            c.awaitError("already_authenticated");
        }
    }

    @Test
    @DisplayName("§6: a frame larger than --max-message-bytes closes with 1009 before auth")
    void oversizedFrame() {
        try (RecordingClient c = server.connect()) {
            c.send("x".repeat(65 * 1024));
            assertEquals(1009, c.awaitClose().code());
        }
    }

    @Test
    @DisplayName("§6: 500 silent connections are all closed by the deadline, and a new client still gets in promptly")
    void silentHorde() throws Exception {
        server.close();
        server = servers.startAfter(server, "--auth-timeout", "300ms");
        String token = server.login("alice", TestServer.PASSWORD);
        // Handshake and auth on the idle server: the reference for the same once the horde is gone.
        Duration beforeHorde = Slowdown.time(() -> {
            try (PortcullisClient c = Clients.connectedWith(server, token, new Recorder())) {
                assertEquals(ClientState.AUTHENTICATED, c.state());
            }
        });
        List<CompletableFuture<RecordingClient>> opening = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            opening.add(RecordingClient.connectAsync(server.http(), server.wsUri()));
        }
        List<RecordingClient> horde = opening.stream().map(CompletableFuture::join).toList();
        await().atMost(Duration.ofSeconds(20)).until(() -> horde.stream().allMatch(RecordingClient::isClosed));
        for (RecordingClient c : horde) {
            c.awaitClose(1008, "Auth timeout");
        }
        // Handshake and auth: the horde must have left room for both.
        Duration afterHorde = Slowdown.time(() -> {
            try (PortcullisClient c = Clients.connectedWith(server, token, new Recorder())) {
                assertEquals(ClientState.AUTHENTICATED, c.state());
            }
        });
        Slowdown.assertNotSlowerThan(beforeHorde, Duration.ofSeconds(2), afterHorde, "auth after the horde");
    }

    @Test
    @DisplayName("§2: the audit log records connect, auth_ok, auth_failed with its reason, and close with its code")
    void auditTrail() {
        try (RecordingClient c = server.authenticated("alice")) {
            c.send("{}");
            c.awaitError("malformed_message");
        }
        try (RecordingClient c = server.connect()) {
            c.auth("bad");
            c.awaitClose(1008, "Invalid token");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.auditEvents().stream()
                .filter(e -> e.get("event").asText().equals("ws_close")).count() == 2);
        List<JsonNode> events = server.auditEvents();
        List<String> names = events.stream().map(e -> e.get("event").asText()).toList();
        assertTrue(names.containsAll(List.of("login_ok", "ws_connect", "auth_ok", "auth_failed", "ws_close")), names.toString());
        JsonNode authOk = events.stream().filter(e -> e.get("event").asText().equals("auth_ok")).findFirst().orElseThrow();
        assertEquals("alice", authOk.get("user").asText());
        assertTrue(authOk.get("conn").asText().startsWith("c"));
        assertTrue(authOk.get("remote").asText().startsWith("127.0.0.1:"));
        assertTrue(authOk.has("time"));
        JsonNode failed = events.stream().filter(e -> e.get("event").asText().equals("auth_failed")).findFirst().orElseThrow();
        assertEquals("Invalid token", failed.get("reason").asText());
        assertTrue(events.stream().anyMatch(e -> e.get("event").asText().equals("ws_close")
                && e.get("code").asInt() == 1008 && e.get("by").asText().equals("server")), events.toString());
    }

    @Test
    @DisplayName("no token, password or secret appears in the logs or the audit log")
    void noSecretsInLogs() {
        try (LogCapture logs = LogCapture.start()) {
            String token = server.login("alice", TestServer.PASSWORD);
            server.post("/auth/login", "{\"username\":\"alice\",\"password\":\"wrong-password-xyz\"}");
            try (RecordingClient c = server.connect()) {
                c.auth(token);
                c.awaitMessage("auth_ok");
            }
            String forged = Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofHours(1)),
                    "another-secret-that-is-long-enough-0123456789");
            try (RecordingClient c = server.connect()) {
                c.auth(forged);
                c.awaitClose(1008, "Invalid token");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.auditEvents().stream()
                    .filter(e -> e.get("event").asText().equals("ws_close")).count() == 2);
            String everything = logs.text() + server.auditText();
            assertFalse(everything.isEmpty());
            for (String secret : List.of(token, token.split("\\.")[2], forged.split("\\.")[2],
                    TestServer.PASSWORD, "wrong-password-xyz", TestServer.SECRET)) {
                assertFalse(everything.contains(secret), "a credential leaked into the logs");
            }
        }
    }
}
