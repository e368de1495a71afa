package dev.portcullis.web;

import static dev.portcullis.testing.Clients.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.client.ClientListener.PresenceEvent;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.crypto.FernetKey;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.RedisServer;
import dev.portcullis.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Predicate;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser demo (protocol.md §9c) in a real headless Chromium against a real server: a person's clicks
 * on one side, the project's Java client on the other, and what the page shows in between. The page is
 * served by the server's own HTTP listener, so no --allowed-origins is needed (§1.1).
 */
class DemoBrowserTest {
    /** Where anyone can look at the demo after a chat exchange. */
    static final Path SCREENSHOT = Path.of("target", "demo-screenshot.png");

    @TempDir
    static Path browserDir;
    static Chromium chromium;

    @TempDir
    Path dir;
    TestServer server;
    RedisServer redis;
    DevTools page;
    /** Errors the browser logs that a test provokes on purpose (a refused fetch is logged as one). */
    Predicate<String> expectedErrors = e -> false;

    @BeforeAll
    static void launch() throws IOException {
        if (Chromium.installed()) {
            chromium = Chromium.launch(browserDir);
        }
    }

    @AfterAll
    static void quit() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void open() {
        Chromium.assumeInstalled(); // each test reports the skip, with the reason
        page = chromium.newPage();
        page.viewport(1366, 768);
    }

    @AfterEach
    void close(TestInfo test) throws IOException {
        if (page == null) {
            return;
        }
        // What the page showed at the end of each test, for a look when one fails.
        page.screenshot(Path.of("target", "demo-screenshots", test.getTestMethod().orElseThrow().getName() + ".png"));
        List<String> errors = page.errors().stream().filter(expectedErrors.negate()).toList();
        chromium.closePage(page);
        if (server != null) {
            server.close();
        }
        if (redis != null) {
            redis.close();
        }
        assertEquals(List.of(), errors, "the page logged errors");
    }

    private static ConditionFactory eventually() {
        return await().atMost(DevTools.TIMEOUT);
    }

    /** Opens the demo from the server and logs in as {@code user}. */
    private void openAndLogIn(String user) {
        page.navigate(server.httpUri("/"));
        eventually().until(() -> page.text("#ws-url").equals(server.wsUri().toString()));
        page.fill("#username", user);
        page.fill("#password", TestServer.PASSWORD);
        page.click("#login-btn");
        eventually().until(() -> page.text("#login-status").startsWith("Logged in as " + user));
    }

    private void connect(String mode) {
        page.fill("#auth-mode", mode);
        page.click("#connect-btn");
    }

    private void loginAndConnect(String user, String mode) {
        openAndLogIn(user);
        connect(mode);
    }

    private void joinFromPage(String room) {
        page.fill("#room-input", room);
        page.click("#join-btn");
        eventually().until(() -> page.text("#rooms .active").equals(room) && page.text("#presence").contains("alice"));
    }

    @Test
    @DisplayName("§9c: log in, pass the gate, join a room and chat with a second client; the token is refreshed on expiring")
    void chat() throws IOException, InterruptedException {
        server = TestServer.start(dir);
        openAndLogIn("alice");
        // The server's clock is the test's: the token (1 h) is made to end 62 s from now, so that the
        // server's expiring, due 60 s before the end, is sent 2 s after auth_ok; then the page refreshes.
        Instant exp = server.clock().instant().truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofHours(1));
        server.clock().set(exp.minusSeconds(62));
        connect("token");
        eventually().until(() -> page.text("#state").equals("AUTHENTICATED"));
        server.clock().set(exp.minusSeconds(59)); // the warning's timer checks the clock when it fires
        String transitions = page.text("#transitions");
        assertTrue(transitions.contains("— → handshake") && transitions.contains("handshake → AWAITING_AUTH")
                && transitions.contains("AWAITING_AUTH → AUTHENTICATED") && transitions.contains("AUTH_SUCCEEDED"), transitions);
        joinFromPage("lobby");

        Recorder b = new Recorder();
        try (PortcullisClient bob = Clients.connected(server, "bob", b)) {
            assertEquals(List.of("alice", "bob"), get(bob.join("lobby")));
            eventually().until(() -> page.text("#presence").contains("bob") && page.text("#chat-log").contains("bob arrived"));

            get(bob.send("lobby", "\"hello from bob\"", "b-1"));
            eventually().until(() -> page.text("#chat-log").contains("hello from bob"));

            page.fill("#message-input", "hi bob, this is Chromium");
            page.click("#send-btn");
            Recorder.Message fromPage = b.await(Recorder.Message.class, 2).get(1);
            assertEquals("alice", fromPage.from());
            assertEquals("hi bob, this is Chromium", TestServer.json(fromPage.payloadJson()).asText());
            assertEquals(2, fromPage.seq());
            // Acknowledged by its own copy: the line shows the room's seq instead of "sending…".
            eventually().until(() -> page.evaluate("document.querySelectorAll('#chat-log .pending').length").asInt() == 0
                    && page.text("#chat-log").contains("#2 ·"));

            eventually().until(() -> page.text("#refresh-count").equals("1"));
            assertTrue(page.text("#wire-log").contains("\"type\":\"refreshed\""));
            assertEquals("AUTHENTICATED", page.text("#state"), "a refresh is not a transition");
            page.screenshot(SCREENSHOT);
        }
        eventually().until(() -> page.text("#chat-log").contains("bob left") && !page.text("#presence").contains("bob"));
        assertTrue(Files.size(SCREENSHOT) > 10_000);
    }

    @Test
    @DisplayName("§9c: with a pasted Fernet key and a ticket, every frame is sealed by WebCrypto, and a plaintext member reads along")
    void encrypted() throws InterruptedException {
        String key = FernetKey.generate(new SecureRandom());
        server = TestServer.start(dir, "--fernet-keys", key);
        openAndLogIn("alice");
        page.fill("#auth-mode", "ticket");
        page.check("#encrypt", true);
        page.fill("#fernet-key", key);
        connect("ticket");
        eventually().until(() -> page.text("#state").equals("AUTHENTICATED"));
        assertEquals("Fernet tokens both ways", page.text("#encryption-state"));
        joinFromPage("vault");
        assertTrue(page.text("#wire-log").contains("Fernet gAAAAA"), "the join went out sealed");

        Recorder b = new Recorder();
        try (PortcullisClient bob = Clients.connected(server, "bob", b)) {
            get(bob.join("vault"));
            get(bob.send("vault", "\"plain from bob\"", null));
            eventually().until(() -> page.text("#chat-log").contains("plain from bob"));

            page.fill("#message-input", "sealed by the browser");
            page.click("#send-btn");
            assertEquals("sealed by the browser", TestServer.json(b.await(Recorder.Message.class, 2).get(1).payloadJson()).asText());

            page.click("#leave-btn");
            assertEquals(List.of(new Recorder.Presence("vault", "alice", PresenceEvent.LEAVE)), b.await(Recorder.Presence.class, 1));
            eventually().until(() -> page.text("#chat-log").contains("left vault") && page.text("#presence").isEmpty());
        }
    }

    @Test
    @DisplayName("§9c: with a ticket in the URL, then a block: AUTHENTICATED → BLOCKED → CLOSED, 1008 Blocked for abuse, §6's advice, no reconnect")
    void blocked() {
        server = TestServer.start(dir);
        loginAndConnect("alice", "ticket-url");
        eventually().until(() -> page.text("#state").equals("AUTHENTICATED"));
        assertTrue(page.text("#transitions").contains("no first message: the ticket came with the handshake"));
        assertFalse(page.text("#wire-log").contains("\"type\":\"auth\""), "no auth message was sent");
        String admin = server.login("root", TestServer.PASSWORD);
        assertEquals(200, server.send(HttpRequest.newBuilder(server.httpUri("/admin/block"))
                .header("Authorization", "Bearer " + admin)
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"alice\",\"reason\":\"demo\"}")).build()).statusCode());

        eventually().until(() -> page.text("#state").equals("CLOSED"));
        String transitions = page.text("#transitions");
        assertTrue(transitions.contains("AUTHENTICATED → BLOCKED") && transitions.contains("BLOCK")
                && transitions.contains("BLOCKED → CLOSED"), transitions);
        assertEquals("1008", page.text("#close-code"));
        assertEquals("Blocked for abuse", page.text("#close-reason"));
        assertTrue(page.text("#close-advice").startsWith("Not automatically"), page.text("#close-advice"));
        assertTrue(transitions.contains("§6: do not reconnect automatically"), transitions);
        assertFalse(page.text("#connect-status").contains("Reconnecting"));
    }

    @Test
    @DisplayName("§9c: a page that sends no auth is closed with Auth timeout (AUTH_TIMED_OUT) and, as §6 advises, reconnects with backoff")
    void authTimeout() {
        // Cookie mode is off on this server, so choosing it means no credential at all.
        server = TestServer.start(dir, "--auth-timeout", "500ms");
        loginAndConnect("alice", "cookie");
        eventually().until(() -> page.text("#close-reason").equals("Auth timeout"));
        String transitions = page.text("#transitions");
        assertTrue(transitions.contains("AWAITING_AUTH → CLOSED") && transitions.contains("AUTH_TIMED_OUT"), transitions);
        assertTrue(page.text("#close-advice").startsWith("Reconnect with backoff"));
        eventually().until(() -> page.text("#connect-status").startsWith("Reconnecting in")
                || page.text("#transitions").split("handshake → AWAITING_AUTH", -1).length > 2);
    }

    /** Kills the cluster's Redis and waits until the instance says it is cut off (§7.2). */
    private void cutOff() {
        redis.kill();
        eventually().until(() -> server.send(HttpRequest.newBuilder(server.httpUri("/healthz")).GET().build()).statusCode() == 503);
    }

    @Test
    @DisplayName("§2, §6, §7.4, §15: cut off from Redis, the page reads 1011 Try again later as AUTH_FAILED and retries, retries a 503 from POST /auth/ticket until Redis is back, and shows broker_unavailable in the chat log")
    void clusterOutage() {
        redis = RedisServer.start();
        server = TestServer.start(dir, "--redis-url", redis.url());
        expectedErrors = e -> e.contains("status of 503"); // Chromium logs each 503 of /auth/ticket
        openAndLogIn("alice"); // a login needs no shared state, but the test's own comes first
        cutOff();

        connect("token");
        eventually().until(() -> page.text("#close-reason").equals("Try again later"));
        String transitions = page.text("#transitions");
        assertTrue(transitions.contains("AWAITING_AUTH → CLOSED") && transitions.contains("AUTH_FAILED"), transitions);
        assertTrue(page.text("#close-advice").startsWith("With backoff, with the same credential"), page.text("#close-advice"));
        assertTrue(page.text("#close-meaning").contains("cannot reach its shared state"), page.text("#close-meaning"));
        eventually().until(() -> page.text("#connect-status").startsWith("Reconnecting in"));

        page.click("#disconnect-btn"); // cancels the planned reconnect, so the mode can change
        eventually().until(() -> page.text("#connect-status").equals("Disconnected."));
        connect("ticket");
        eventually().until(() -> page.text("#connect-status").contains("after POST /auth/ticket answered 503"));
        assertTrue(page.text("#login-status").contains("503 broker_unavailable"), page.text("#login-status"));
        redis.restart();
        await().atMost(Duration.ofSeconds(40)).until(() -> page.text("#state").equals("AUTHENTICATED"));
        assertTrue(page.text("#wire-log").contains("\"ticket\""), "in with a ticket once Redis was back");
        assertTrue(page.text("#login-status").startsWith("Logged in as alice"), "the 503 no longer shown: " + page.text("#login-status"));

        joinFromPage("lobby");
        cutOff();
        page.fill("#message-input", "while the cluster is cut off");
        page.click("#send-btn");
        eventually().until(() -> page.text("#chat-log").contains("error broker_unavailable"));
        assertTrue(page.text("#chat-log").contains("the server cannot reach its cluster just now; send it again in a moment"),
                page.text("#chat-log"));
        assertEquals(1, page.evaluate("document.querySelectorAll('#chat-log .failed').length").asInt(), "the message is marked as not delivered");
        assertEquals("AUTHENTICATED", page.text("#state"), "the connection stays open");
    }

    /** The Fernet spec's test vectors, as the JDK implementation's test reads them. */
    private static String vectors(String name) throws IOException {
        try (InputStream in = DemoBrowserTest.class.getResourceAsStream("/fernet/" + name + ".json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    @DisplayName("§9c: fernet.js reproduces the Fernet spec's vectors: generate, verify, and refuse every invalid token")
    void fernetVectors() throws IOException {
        server = TestServer.start(dir);
        page.navigate(server.httpUri("/"));
        String generate = vectors("generate");
        String verify = vectors("verify");
        String invalid = vectors("invalid");
        JsonNode failures = page.evaluate("""
                (async () => {
                  const f = await import('/fernet.js');
                  const at = (iso) => Math.floor(Date.parse(iso) / 1000);
                  const failures = [];
                  for (const v of %s) {
                    const token = await f.encrypt(await f.importKey(v.secret), v.src, { now: at(v.now), iv: new Uint8Array(v.iv) });
                    if (token !== v.token) failures.push('generate: ' + token);
                  }
                  for (const v of %s) {
                    const src = await f.decrypt(await f.importKey(v.secret), v.token, v.ttl_sec, at(v.now));
                    if (src !== v.src) failures.push('verify: ' + src);
                  }
                  for (const v of %s) {
                    try {
                      await f.decrypt(await f.importKey(v.secret), v.token, v.ttl_sec, at(v.now));
                      failures.push('accepted: ' + v.desc);
                    } catch (e) {
                      if (!(e instanceof f.FernetError)) failures.push(v.desc + ': ' + e);
                    }
                  }
                  return failures;
                })()""".formatted(generate, verify, invalid));
        assertEquals("[]", failures.toString());
    }
}
