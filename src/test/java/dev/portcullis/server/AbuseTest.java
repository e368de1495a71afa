package dev.portcullis.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Wire;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The abuse controls against a real server, time driven by the test clock: protocol.md §12. */
class AbuseTest {
    @TempDir
    Path dir;
    TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Sends a message to {@code room} and returns the answer: the relayed copy, or an error. */
    private static JsonNode send(RecordingClient c, String room, String id) {
        c.send(Wire.message(room, "1", id));
        JsonNode m = c.awaitMessage();
        while (m.get("type").asText().equals("presence")) {
            m = c.awaitMessage();
        }
        return m;
    }

    @Test
    @DisplayName("§12.1: a token bucket rejects exactly the messages past it, undelivered, and refills with time")
    void bucketLimit() {
        server = TestServer.start(dir, "--rate-limit", "bucket:4:2");
        try (RecordingClient alice = server.authenticated("alice")) {
            alice.send(Wire.join("r")).awaitMessage("joined"); // the join is a message too: 3 tokens left
            for (int i = 0; i < 3; i++) {
                assertEquals("message", send(alice, "r", "ok" + i).get("type").asText());
            }
            JsonNode limited = send(alice, "r", "over");
            assertEquals("rate_limited", limited.get("code").asText());
            assertEquals(500, limited.get("retry_after_ms").asLong());
            assertEquals("over", limited.get("id").asText());
            server.clock().advance(Duration.ofMillis(500));
            JsonNode next = send(alice, "r", "after-refill");
            assertEquals("message", next.get("type").asText());
            assertEquals(4, next.get("seq").asLong(), "the limited message was never delivered");
        }
    }

    @Test
    @DisplayName("§12.1: a sliding window rejects past COUNT per window, per user across connections, not across users")
    void windowAcrossConnections() {
        server = TestServer.start(dir, "--rate-limit", "window:4:60");
        try (RecordingClient a1 = server.authenticated("alice");
             RecordingClient a2 = server.authenticated("alice");
             RecordingClient bob = server.authenticated("bob")) {
            a1.send(Wire.join("r")).awaitMessage("joined");
            a2.send(Wire.join("r")).awaitMessage("joined");
            assertEquals("message", send(a1, "r", "1").get("type").asText());
            a2.awaitMessage("message");
            assertEquals("message", send(a2, "r", "2").get("type").asText());
            a1.awaitMessage("message");
            JsonNode limited = send(a1, "r", "3");
            assertEquals("rate_limited", limited.get("code").asText(), "four messages of alice, two connections each");
            assertEquals(60_000, limited.get("retry_after_ms").asLong());
            bob.send(Wire.join("r"));
            assertEquals("joined", bob.awaitMessage().get("type").asText(), "bob has his own allowance");
            server.clock().advance(Duration.ofSeconds(60));
            assertEquals("message", send(a1, "r", "4").get("type").asText());
        }
    }

    @Test
    @DisplayName("§12.2: repeated violations block the user: every connection closes, and auth is refused until the block ends")
    void violationsBlock() {
        server = TestServer.start(dir, "--rate-limit", "bucket:1:1", "--block-after", "3", "--block-duration", "10m");
        String token = server.login("alice", TestServer.PASSWORD);
        try (RecordingClient a1 = server.authenticatedWith(token);
             RecordingClient a2 = server.authenticatedWith(token);
             RecordingClient bob = server.authenticated("bob")) {
            a1.send(Wire.join("r")).awaitMessage("joined");
            for (int i = 0; i < 2; i++) {
                a1.send(Wire.join("r"));
                assertEquals("rate_limited", a1.awaitMessage().get("code").asText());
            }
            a1.send(Wire.join("r")); // the third violation
            a1.awaitClose(1008, "Blocked for abuse");
            a2.awaitClose(1008, "Blocked for abuse");
            bob.send(Wire.join("r")).awaitMessage("joined");
        }
        try (RecordingClient again = server.connect()) {
            again.auth(token);
            again.awaitClose(1008, "User blocked");
        }
        server.clock().advance(Duration.ofMinutes(10));
        try (RecordingClient later = server.connect()) {
            later.auth(server.login("alice", TestServer.PASSWORD)).awaitMessage("auth_ok");
        }
        assertTrue(server.auditEvents().stream().anyMatch(e -> e.get("event").asText().equals("user_blocked")
                && e.get("user").asText().equals("alice") && e.get("by").asText().equals("server")));
    }

    @Test
    @DisplayName("§12.2: repeated access-denied joins count as violations too")
    void accessDeniedViolations() throws Exception {
        Path rules = dir.resolve("rooms.json");
        Files.writeString(rules, "{\"rooms\":[{\"name\":\"vault\",\"roles\":[\"admin\"]}]}");
        server = TestServer.start(dir, "--rooms", rules.toString(), "--block-after", "3");
        try (RecordingClient alice = server.authenticated("alice")) {
            for (int i = 0; i < 2; i++) {
                alice.send(Wire.join("vault")).awaitError("access_denied");
            }
            alice.send(Wire.join("vault")).awaitError("access_denied");
            alice.awaitClose(1008, "Blocked for abuse");
        }
    }

    @Test
    @DisplayName("§12.3: admins block, list and unblock over HTTP; others get 401 or 403; blocks survive a restart")
    void adminEndpoints() {
        server = TestServer.start(dir);
        String admin = server.login("root", TestServer.PASSWORD);
        String user = server.login("alice", TestServer.PASSWORD);
        try (RecordingClient bob = server.authenticated("bob")) {
            assertEquals(401, admin(null, "/admin/blocks", null).statusCode());
            assertEquals(401, admin("garbage", "/admin/blocks", null).statusCode());
            assertEquals(403, admin(user, "/admin/block", "{\"user\":\"bob\"}").statusCode());
            HttpResponse<String> blocked = admin(admin, "/admin/block", "{\"user\":\"bob\",\"duration\":\"2h\",\"reason\":\"spam\"}");
            assertEquals(200, blocked.statusCode(), blocked.body());
            assertEquals("bob", TestServer.json(blocked.body()).get("user").asText());
            bob.awaitClose(1008, "Blocked for abuse");
        }
        JsonNode list = TestServer.json(admin(admin, "/admin/blocks", null).body());
        assertEquals("bob", list.get("blocks").get(0).get("user").asText());
        assertEquals("spam", list.get("blocks").get(0).get("reason").asText());

        server.close();
        server = TestServer.start(dir);
        try (RecordingClient c = server.connect()) {
            c.auth(server.login("bob", TestServer.PASSWORD));
            c.awaitClose(1008, "User blocked");
        }
        String admin2 = server.login("root", TestServer.PASSWORD);
        HttpResponse<String> unblocked = admin(admin2, "/admin/unblock", "{\"user\":\"bob\"}");
        assertEquals("{\"user\":\"bob\",\"unblocked\":true}\n", unblocked.body());
        server.authenticated("bob").close();
        assertEquals("{\"blocks\":[]}\n", admin(admin2, "/admin/blocks", null).body());
    }

    private HttpResponse<String> admin(String token, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.httpUri(path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return server.send(body == null ? b.GET().build() : b.POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    @DisplayName("§12.4: a connect flood from one address gets 429 before the upgrade; another address is unaffected")
    void ipConnectRate() {
        server = TestServer.start(dir, "--ip-connect-rate", "bucket:5:1");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            try (RawClient c = RawClient.openFrom("127.0.0.1", server.wsPort(), 0)) {
                answers.add(c.upgrade(server.wsPort()).substring(0, 12));
            }
        }
        assertEquals(List.of("HTTP/1.1 101", "HTTP/1.1 101", "HTTP/1.1 101", "HTTP/1.1 101", "HTTP/1.1 101",
                "HTTP/1.1 429", "HTTP/1.1 429", "HTTP/1.1 429"), answers);
        try (RawClient other = RawClient.openFrom("127.0.0.2", server.wsPort(), 0)) {
            assertTrue(other.upgrade(server.wsPort()).startsWith("HTTP/1.1 101"), "127.0.0.2 has its own allowance");
        }
        server.clock().advance(Duration.ofSeconds(1));
        try (RawClient c = RawClient.openFrom("127.0.0.1", server.wsPort(), 0)) {
            assertTrue(c.upgrade(server.wsPort()).startsWith("HTTP/1.1 101"), "one more after a second");
        }
    }

    @Test
    @DisplayName("§12.4: connections still waiting to authenticate are capped per address")
    void pendingCap() {
        server = TestServer.start(dir, "--max-pending-per-ip", "3");
        List<RawClient> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                waiting.add(RawClient.connect(server.wsPort()));
            }
            try (RawClient fourth = RawClient.open(server.wsPort(), 0)) {
                assertTrue(fourth.upgrade(server.wsPort()).startsWith("HTTP/1.1 429"));
            }
            // Authenticating frees a place.
            waiting.get(0).sendText("{\"type\":\"auth\",\"token\":\"" + server.login("alice", TestServer.PASSWORD) + "\"}");
            assertEquals("auth_ok", TestServer.json(waiting.get(0).readText()).get("type").asText());
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                try (RawClient c = RawClient.open(server.wsPort(), 0)) {
                    return c.upgrade(server.wsPort()).startsWith("HTTP/1.1 101");
                }
            });
        } finally {
            waiting.forEach(RawClient::close);
        }
    }

    @Test
    @DisplayName("§12.4: repeated auth failures ban the address for --ip-ban-duration")
    void authFailureBan() {
        server = TestServer.start(dir, "--ip-auth-failures", "3:60", "--ip-ban-duration", "15m");
        for (int i = 0; i < 3; i++) {
            try (RecordingClient c = server.connect()) {
                c.auth("forged-" + i).awaitClose(1008, "Invalid token");
            }
        }
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            assertTrue(c.upgrade(server.wsPort()).startsWith("HTTP/1.1 403"));
        }
        server.clock().advance(Duration.ofMinutes(15));
        server.authenticated("alice").close();
        assertTrue(server.auditEvents().stream().anyMatch(e -> e.get("event").asText().equals("ip_banned")));
    }

    @Test
    @DisplayName("§12.5: failed logins are throttled with 429 and Retry-After; the owner from another address is not")
    void loginThrottling() {
        server = TestServer.start(dir, "--login-failures-per-user", "3:60");
        for (int i = 0; i < 3; i++) {
            assertEquals(401, server.post("/auth/login", "{\"username\":\"alice\",\"password\":\"guess" + i + "\"}").statusCode());
        }
        HttpResponse<String> throttled = server.post("/auth/login", "{\"username\":\"alice\",\"password\":\"" + TestServer.PASSWORD + "\"}");
        assertEquals(429, throttled.statusCode());
        assertEquals("60", throttled.headers().firstValue("Retry-After").orElse(""));
        assertEquals("too_many_attempts", TestServer.json(throttled.body()).get("error").asText());
        server.clock().advance(Duration.ofSeconds(60));
        server.login("alice", TestServer.PASSWORD);
    }

    @Test
    @DisplayName("§12.6: past --max-connections new handshakes get 503")
    void connectionCap() {
        server = TestServer.start(dir, "--max-connections", "2");
        try (RawClient a = RawClient.connect(server.wsPort()); RawClient b = RawClient.connect(server.wsPort());
             RawClient c = RawClient.open(server.wsPort(), 0)) {
            assertTrue(c.upgrade(server.wsPort()).startsWith("HTTP/1.1 503"));
        }
    }
}
