package dev.portcullis.server;

import static dev.portcullis.testing.Clients.get;
import static dev.portcullis.testing.Clients.refused;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.auth.PasswordHasher;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.client.ConnectionClosedException;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.client.RequestRefusedException;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.RawHttp;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The abuse controls against a real server, time driven by the test clock: protocol.md §12. Users are
 * the project's Java client; the per-address tests use RawClient to read the HTTP answer to the upgrade
 * itself and to hold connections that never authenticate.
 */
class AbuseTest {
    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    @Test
    @DisplayName("§12.1: a token bucket rejects exactly the messages past it, undelivered, and refills with time")
    void bucketLimit() throws Exception {
        server = servers.start("--rate-limit", "bucket:4:2");
        try (PortcullisClient alice = Clients.connected(server, "alice")) {
            get(alice.join("r")); // the join is a message too: 3 tokens left
            for (int i = 0; i < 3; i++) {
                assertEquals("ok" + i, get(alice.send("r", "1", "ok" + i)).id());
            }
            RequestRefusedException limited = refused(alice.send("r", "1", "over"), "rate_limited");
            assertEquals(Optional.of(Duration.ofMillis(500)), limited.retryAfter());
            assertEquals(Optional.of("over"), limited.id());
            server.clock().advance(Duration.ofMillis(500));
            assertEquals(4, get(alice.send("r", "1", "after-refill")).seq(), "the limited message was never delivered");
        }
    }

    @Test
    @DisplayName("§12.1: a sliding window rejects past COUNT per window, per user across connections, not across users")
    void windowAcrossConnections() throws Exception {
        server = servers.start("--rate-limit", "window:4:60");
        try (PortcullisClient a1 = Clients.connected(server, "alice");
             PortcullisClient a2 = Clients.connected(server, "alice");
             PortcullisClient bob = Clients.connected(server, "bob")) {
            get(a1.join("r"));
            get(a2.join("r"));
            get(a1.send("r", "1", "1"));
            get(a2.send("r", "1", "2"));
            RequestRefusedException limited = assertInstanceOf(RequestRefusedException.class, Clients.failure(a1.send("r", "1", "3")));
            assertEquals("rate_limited", limited.code(), "four messages of alice, two connections each");
            assertEquals(Optional.of(Duration.ofSeconds(60)), limited.retryAfter());
            assertEquals(List.of("alice", "bob"), get(bob.join("r")), "bob has his own allowance");
            server.clock().advance(Duration.ofSeconds(60));
            get(a1.send("r", "1", "4"));
        }
    }

    @Test
    @DisplayName("§12.2: repeated violations block the user: every connection closes, and auth is refused until the block ends")
    void violationsBlock() throws Exception {
        server = servers.start("--rate-limit", "bucket:1:1", "--block-after", "3", "--block-duration", "10m");
        String token = server.login("alice", TestServer.PASSWORD);
        Recorder r1 = new Recorder();
        Recorder r2 = new Recorder();
        try (PortcullisClient a1 = Clients.connectedWith(server, token, r1);
             PortcullisClient a2 = Clients.connectedWith(server, token, r2);
             PortcullisClient bob = Clients.connected(server, "bob")) {
            get(a1.join("r"));
            for (int i = 0; i < 2; i++) {
                refused(a1.join("r"), "rate_limited");
            }
            // The third violation: no error, the close.
            ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, Clients.failure(a1.join("r")));
            assertEquals("Blocked for abuse", closed.reason());
            assertEquals(List.of(new Recorder.Closed(1008, "Blocked for abuse")), r1.await(Recorder.Closed.class, 1));
            assertEquals(List.of(new Recorder.Closed(1008, "Blocked for abuse")), r2.await(Recorder.Closed.class, 1));
            get(bob.join("r"));
        }
        assertEquals("User blocked", Clients.refusedAtGate(Clients.withToken(server, token, new Recorder())).reason());
        server.clock().advance(Duration.ofMinutes(10));
        Clients.connected(server, "alice").close();
        assertTrue(server.auditEvents().stream().anyMatch(e -> e.get("event").asText().equals("user_blocked")
                && e.get("user").asText().equals("alice") && e.get("by").asText().equals("server")));
    }

    @Test
    @DisplayName("§12.2: repeated access-denied joins count as violations too")
    void accessDeniedViolations() throws Exception {
        Path rules = servers.dir().resolve("rooms.json");
        Files.writeString(rules, "{\"rooms\":[{\"name\":\"vault\",\"roles\":[\"admin\"]}]}");
        server = servers.start("--rooms", rules.toString(), "--block-after", "3");
        Recorder a = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", a)) {
            for (int i = 0; i < 2; i++) {
                refused(alice.join("vault"), "access_denied");
            }
            // The blocking violation still gets its error, then the close.
            refused(alice.join("vault"), "access_denied");
            assertEquals(List.of(new Recorder.Closed(1008, "Blocked for abuse")), a.await(Recorder.Closed.class, 1));
        }
    }

    @Test
    @DisplayName("§12.3: admins block, list and unblock over HTTP; others get 401 or 403; blocks survive a restart")
    void adminEndpoints() throws Exception {
        server = servers.start();
        String admin = server.login("root", TestServer.PASSWORD);
        String user = server.login("alice", TestServer.PASSWORD);
        Recorder b = new Recorder();
        try (PortcullisClient bob = Clients.connected(server, "bob", b)) {
            assertEquals(401, admin(null, "/admin/blocks", null).statusCode());
            assertEquals(401, admin("garbage", "/admin/blocks", null).statusCode());
            assertEquals(403, admin(user, "/admin/block", "{\"user\":\"bob\"}").statusCode());
            HttpResponse<String> blocked = admin(admin, "/admin/block", "{\"user\":\"bob\",\"duration\":\"2h\",\"reason\":\"spam\"}");
            assertEquals(200, blocked.statusCode(), blocked.body());
            assertEquals("bob", TestServer.json(blocked.body()).get("user").asText());
            assertEquals(List.of(new Recorder.Closed(1008, "Blocked for abuse")), b.await(Recorder.Closed.class, 1));
        }
        JsonNode list = TestServer.json(admin(admin, "/admin/blocks", null).body());
        assertEquals("bob", list.get("blocks").get(0).get("user").asText());
        assertEquals("spam", list.get("blocks").get(0).get("reason").asText());

        server.close();
        server = servers.startAfter(server);
        assertEquals("User blocked", Clients.refusedAtGate(Clients.of(server, "bob", new Recorder())).reason());
        String admin2 = server.login("root", TestServer.PASSWORD);
        HttpResponse<String> unblocked = admin(admin2, "/admin/unblock", "{\"user\":\"bob\"}");
        assertEquals("{\"user\":\"bob\",\"unblocked\":true}\n", unblocked.body());
        Clients.connected(server, "bob").close();
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
        server = servers.start("--ip-connect-rate", "bucket:5:1");
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
        server = servers.start("--max-pending-per-ip", "3");
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
    void authFailureBan() throws Exception {
        server = servers.start("--ip-auth-failures", "3:60", "--ip-ban-duration", "15m");
        for (int i = 0; i < 3; i++) {
            assertEquals("Invalid token", Clients.refusedAtGate(Clients.withToken(server, "forged-" + i, new Recorder())).reason());
        }
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            assertTrue(c.upgrade(server.wsPort()).startsWith("HTTP/1.1 403"));
        }
        server.clock().advance(Duration.ofMinutes(15));
        Clients.connected(server, "alice").close();
        assertTrue(server.auditEvents().stream().anyMatch(e -> e.get("event").asText().equals("ip_banned")));
    }

    @Test
    @DisplayName("§12.5: failed logins are throttled with 429 and Retry-After; the owner from another address is not")
    void loginThrottling() {
        server = servers.start("--login-failures-per-user", "3:60");
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
    @DisplayName("§12.5: of 40 concurrent wrong passwords for one user from one address, only the per-user limit reach bcrypt")
    void concurrentGuessesGainNothing() throws Exception {
        server = servers.start("--login-failures-per-user", "5:60", "--login-failures-per-ip", "20:60");
        // A slow hash keeps the guesses in flight together, as an attacker's are against a real cost.
        slowAlice();
        List<CompletableFuture<HttpResponse<String>>> guesses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            guesses.add(server.http().sendAsync(HttpRequest.newBuilder(server.httpUri("/auth/login"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"alice\",\"password\":\"guess" + i + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        Map<Integer, Long> byStatus = new TreeMap<>();
        for (var guess : guesses) {
            byStatus.merge(guess.get().statusCode(), 1L, Long::sum);
        }
        assertEquals(Map.of(401, 5L, 429, 35L), byStatus);
        assertEquals(5, server.auditEvents().stream()
                .filter(e -> e.get("event").asText().equals("login_failed")).count());
    }

    @Test
    @DisplayName("§12.4, §12.5: login failures from addresses of one network count as one client's")
    void loginThrottleCountsTheNetwork() {
        server = servers.start("--login-failures-per-ip", "4:60", "--ipv4-prefix", "24");
        String guess = "{\"username\":\"nobody\",\"password\":\"guess\"}";
        String request = "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + guess.length()
                + "\r\nConnection: close\r\n\r\n" + guess;
        for (String from : List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")) {
            assertEquals(401, RawHttp.send(from, server.httpUri("").getPort(), request).status());
        }
        assertEquals(429, RawHttp.send("127.0.0.9", server.httpUri("").getPort(), request).status(),
                "a fifth address of the same /24 is the same client");
        assertEquals(401, RawHttp.send("127.0.1.2", server.httpUri("").getPort(), request).status(),
                "another /24 is another client");
    }

    @Test
    @DisplayName("§12.5: a successful login counts while it runs, then leaves nothing behind")
    void successesAreNotFailures() {
        server = servers.start("--login-failures-per-user", "3:60");
        for (int i = 0; i < 10; i++) {
            server.login("alice", TestServer.PASSWORD);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(401, server.post("/auth/login", "{\"username\":\"alice\",\"password\":\"guess" + i + "\"}").statusCode());
        }
        assertEquals(429, server.post("/auth/login", "{\"username\":\"alice\",\"password\":\"guess\"}").statusCode());
    }

    /** Gives alice a cost-10 hash (tens of milliseconds a check); the users file is re-read at the next login. */
    private void slowAlice() throws Exception {
        Path file = server.dataDir().resolve("users.json");
        Map<String, User> users = UserStore.readIfExists(file);
        User alice = users.get("alice");
        users.put("alice", new User("alice", new PasswordHasher(new SecureRandom()).hash(TestServer.PASSWORD, 10),
                alice.roles()));
        UserStore.write(file, users.values());
        // A rewrite within the file system's timestamp granularity must still read as a change.
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    }

    @Test
    @DisplayName("§12.6: past --max-connections new handshakes get 503")
    void connectionCap() {
        server = servers.start("--max-connections", "2");
        try (RawClient a = RawClient.connect(server.wsPort()); RawClient b = RawClient.connect(server.wsPort());
             RawClient c = RawClient.open(server.wsPort(), 0)) {
            assertTrue(c.upgrade(server.wsPort()).startsWith("HTTP/1.1 503"));
        }
    }
}
