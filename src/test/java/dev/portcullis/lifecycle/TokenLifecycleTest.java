package dev.portcullis.lifecycle;

import static dev.portcullis.testing.Clients.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.client.ConnectionClosedException;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.Slowdown;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Tokens;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tickets, refresh, expiry, revocation and the cookie and query modes: protocol.md §13. Logout and
 * revalidation use the project's Java client; the other tests use the raw clients, because they pass the
 * gate with tickets, cookies or URL tokens, send hand-made refreshes, or must ignore 'expiring', none of
 * which the Java client does.
 */
class TokenLifecycleTest {
    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    private HttpResponse<String> post(String path, String bearer, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.httpUri(path))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return server.send(b.build());
    }

    private String ticket(String token) {
        HttpResponse<String> r = post("/auth/ticket", token, null);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestServer.json(r.body());
        assertEquals(30, body.get("expires_in").asLong());
        return body.get("ticket").asText();
    }

    private URI ws(String query) {
        return URI.create(server.wsUri() + "?" + query);
    }

    @Test
    @DisplayName("§13.1: a ticket opens the gate once, by first message or in the URL; reuse, expiry and junk are refused")
    void tickets() {
        server = servers.start();
        String token = server.login("alice", TestServer.PASSWORD);
        String t1 = ticket(token);
        assertTrue(t1.length() >= 22, "at least 128 random bits");
        try (RecordingClient c = server.connect()) {
            c.send("{\"type\":\"auth\",\"ticket\":\"" + t1 + "\"}");
            assertEquals("alice", c.awaitMessage("auth_ok").get("user").asText(), "the ticket carries its user");
        }
        try (RecordingClient c = server.connect()) {
            c.send("{\"type\":\"auth\",\"ticket\":\"" + t1 + "\"}");
            c.awaitClose(1008, "Invalid or expired ticket");
        }
        try (RecordingClient c = RecordingClient.connect(server.http(), ws("ticket=" + ticket(token)))) {
            c.awaitMessage("auth_ok"); // no first message needed
        }
        String late = ticket(token);
        server.clock().advance(Duration.ofSeconds(31));
        try (RecordingClient c = RecordingClient.connect(server.http(), ws("ticket=" + late))) {
            c.awaitClose(1008, "Invalid or expired ticket");
        }
        try (RecordingClient c = server.connect()) {
            c.send("{\"type\":\"auth\",\"ticket\":\"made-up\"}");
            c.awaitClose(1008, "Invalid or expired ticket");
        }
        assertEquals(401, post("/auth/ticket", null, null).statusCode());
        assertEquals(401, post("/auth/ticket", "not-a-token", null).statusCode());
    }

    @Test
    @DisplayName("§13.3: 'expiring' comes --expiry-warning before the token ends, then the server closes 1008 Token expired")
    void expiry() {
        server = servers.start("--expiry-warning", "1s", "--clock-leeway", "0s");
        String token = server.login("alice", TestServer.PASSWORD);
        Instant exp = JWT.decode(token).getExpiresAtAsInstant();
        server.clock().set(exp.minusMillis(1500));
        try (RecordingClient c = server.authenticatedWith(token)) {
            // Timers are set by the server's clock and check it when they fire: the test moves it along.
            server.clock().set(exp.minusSeconds(1));
            JsonNode expiring = c.awaitMessage("expiring");
            assertEquals(exp.getEpochSecond(), expiring.get("expires_at").asLong());
            server.clock().set(exp); // the server checks its own clock when the timer fires
            c.awaitClose(1008, "Token expired");
        }
    }

    @Test
    @DisplayName("§13.2: refresh moves the end of the session; another user's token is refused and the old end stands")
    void refresh() {
        server = servers.start("--expiry-warning", "1s", "--clock-leeway", "0s");
        String token = server.login("alice", TestServer.PASSWORD);
        Instant exp = JWT.decode(token).getExpiresAtAsInstant();
        server.clock().set(exp.minusMillis(1500));
        String bobs = server.login("bob", TestServer.PASSWORD);
        try (RecordingClient c = server.authenticatedWith(token)) {
            c.send("{\"type\":\"refresh\",\"token\":\"" + bobs + "\"}");
            c.awaitError("invalid_refresh");
            c.send("{\"type\":\"refresh\",\"token\":\"garbage\"}");
            c.awaitError("invalid_refresh");
            server.clock().set(exp.minusSeconds(1));
            c.awaitMessage("expiring");
            server.clock().set(exp);
            c.awaitClose(1008, "Token expired");
        }

        server.clock().set(exp.minusMillis(1500));
        HttpResponse<String> fresh = post("/auth/refresh", token, null);
        assertEquals(200, fresh.statusCode(), fresh.body());
        String newer = TestServer.json(fresh.body()).get("access_token").asText();
        Instant newExp = JWT.decode(newer).getExpiresAtAsInstant();
        try (RecordingClient c = server.authenticatedWith(token)) {
            c.send("{\"type\":\"refresh\",\"token\":\"" + newer + "\"}");
            assertEquals(newExp.getEpochSecond(), c.awaitMessage("refreshed").get("expires_at").asLong());
            // Past the old end, with the new token's end an hour away: the session goes on. The old token's
            // warning timer, due half a second of real time after the gate (then again every half second while
            // the clock says it is early), would warn and close now had the refresh left it. The server's
            // timers run one at a time as they fall due, so bob's warning, set after the clock moved and due
            // a second later, and the close it brings come after that timer has had its say.
            server.clock().set(exp.plusSeconds(1));
            String bystander = Tokens.hs256(Tokens.claims("bob", server.clock(), Duration.ofSeconds(2)), TestServer.SECRET);
            try (RecordingClient bob = server.authenticatedWith(bystander)) {
                bob.send("{\"type\":\"join\",\"room\":\"lobby\"}").awaitMessage("joined"); // its warning timer is set
                server.clock().set(JWT.decode(bystander).getExpiresAtAsInstant());
                bob.awaitMessage("expiring");
                bob.awaitClose(1008, "Token expired");
            }
            // On the same connection: an old warning or a close would have come before this answer.
            c.sendUnlessClosed("{\"type\":\"join\",\"room\":\"still-here\"}");
            c.awaitMessage("joined");
            assertFalse(c.isClosed());
        }
    }

    @Test
    @DisplayName("§13.4: logout closes live connections at once, and the token stays refused across a restart")
    void logout() throws Exception {
        server = servers.start();
        String token = server.login("alice", TestServer.PASSWORD);
        String other = server.login("alice", TestServer.PASSWORD);
        Recorder r = new Recorder();
        try (PortcullisClient c = Clients.connectedWith(server, token, r);
             PortcullisClient untouched = Clients.connectedWith(server, other, new Recorder())) {
            long start = System.nanoTime();
            HttpResponse<String> response = post("/auth/logout", token, null);
            Duration answered = Duration.ofNanos(System.nanoTime() - start);
            assertEquals("{\"revoked\":\"token\"}\n", response.body());
            assertEquals(List.of(new Recorder.Closed(1008, "Token revoked")), r.await(Recorder.Closed.class, 1));
            // "At once": about as soon as the logout's own answer, never at the next re-validation (§13.5).
            Slowdown.assertNotSlowerThan(answered, Duration.ofSeconds(1), Duration.ofNanos(System.nanoTime() - start),
                    "the close after logout");
            assertEquals(List.of("alice"), get(untouched.join("r")));
        }
        assertRevoked(token);
        assertEquals(401, post("/auth/ticket", token, null).statusCode());
        server.close();
        server = servers.startAfter(server);
        assertRevoked(token);
    }

    private void assertRevoked(String token) {
        ConnectionClosedException refused = Clients.refusedAtGate(Clients.withToken(server, token, new Recorder()));
        assertEquals(1008, refused.code());
        assertEquals("Token revoked", refused.reason());
    }

    @Test
    @DisplayName("§13.4: logout with all:true revokes every older token of the user but not newer ones")
    void logoutAll() throws Exception {
        server = servers.start();
        String first = server.login("alice", TestServer.PASSWORD);
        String second = server.login("alice", TestServer.PASSWORD);
        String bobs = server.login("bob", TestServer.PASSWORD);
        Recorder r = new Recorder();
        try (PortcullisClient c = Clients.connectedWith(server, second, r)) {
            assertEquals("{\"revoked\":\"all\"}\n", post("/auth/logout", first, "{\"all\":true}").body());
            assertEquals(List.of(new Recorder.Closed(1008, "Token revoked")), r.await(Recorder.Closed.class, 1));
        }
        server.clock().advance(Duration.ofSeconds(2));
        String newer = server.login("alice", TestServer.PASSWORD);
        Clients.connectedWith(server, newer, new Recorder()).close();
        Clients.connectedWith(server, bobs, new Recorder()).close();
        assertRevoked(second);
    }

    @Test
    @DisplayName("§13.5: the periodic re-check closes sessions of users removed or disabled in the users file")
    void revalidation() throws Exception {
        server = servers.start("--revalidate-interval", "200ms");
        Recorder a = new Recorder();
        try (PortcullisClient alice = Clients.connected(server, "alice", a);
             PortcullisClient bob = Clients.connected(server, "bob")) {
            Path users = server.dataDir().resolve("users.json");
            Map<String, User> all = UserStore.readIfExists(users);
            User u = all.get("alice");
            all.put("alice", new User(u.username(), u.passwordHash(), u.roles(), true));
            UserStore.write(users, all.values());
            Files.setLastModifiedTime(users, FileTime.from(Instant.now().plusSeconds(5)));
            assertEquals(List.of(new Recorder.Closed(1008, "User disabled")), a.await(Recorder.Closed.class, 1));
            assertEquals(List.of("bob"), get(bob.join("r")));
        }
    }

    @Test
    @DisplayName("§13.6: in cookie mode the login cookie opens the gate at once, but only with an allowed Origin")
    void cookieMode() {
        String app = "https://app.example";
        server = servers.start("--auth-modes", "message,ticket,cookie", "--allowed-origins", app);
        HttpResponse<String> login = server.post("/auth/login",
                "{\"username\":\"alice\",\"password\":\"" + TestServer.PASSWORD + "\"}");
        String setCookie = login.headers().firstValue("Set-Cookie").orElse("");
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            assertTrue(c.upgrade(server.wsPort(), "Origin: " + app, "Cookie: theme=dark; " + cookie).startsWith("HTTP/1.1 101"));
            assertEquals("alice", TestServer.json(c.readText()).get("user").asText(), "auth_ok without a first message");
        }
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            assertTrue(c.upgrade(server.wsPort(), "Origin: https://evil.example", "Cookie: " + cookie).startsWith("HTTP/1.1 403"));
        }
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            assertTrue(c.upgrade(server.wsPort(), "Cookie: " + cookie).startsWith("HTTP/1.1 403"),
                    "a cookie without an Origin is the hijacking case");
        }
    }

    @Test
    @DisplayName("§13.6: a token in the URL is ignored unless query-token is on, and then it never reaches a log")
    void queryToken() {
        server = servers.start("--auth-timeout", "300ms");
        String token = server.login("alice", TestServer.PASSWORD);
        try (RecordingClient c = RecordingClient.connect(server.http(), ws("token=" + token))) {
            c.awaitClose(1008, "Auth timeout");
        }
        server.close();
        try (LogCapture logs = LogCapture.start()) {
            server = servers.startAfter(server, "--auth-modes", "message,query-token");
            token = server.login("alice", TestServer.PASSWORD);
            try (RecordingClient c = RecordingClient.connect(server.http(), ws("token=" + token))) {
                c.awaitMessage("auth_ok");
            }
            assertEquals(404, post("/auth/ticket", token, null).statusCode(), "ticket mode is off here");
            String all = logs.text() + server.auditText();
            assertTrue(all.contains("query-token"), "a warning at start");
            assertFalse(all.contains(token.split("\\.")[2]), "the token leaked into a log");
        }
        server.close();
        try (LogCapture logs = LogCapture.start()) {
            server = servers.startAfter(server);
            String ticketValue = ticket(server.login("alice", TestServer.PASSWORD));
            try (RecordingClient c = RecordingClient.connect(server.http(), ws("ticket=" + ticketValue))) {
                c.awaitMessage("auth_ok");
            }
            assertFalse((logs.text() + server.auditText()).contains(ticketValue), "the ticket leaked into a log");
        }
    }
}
