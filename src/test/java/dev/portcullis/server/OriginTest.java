package dev.portcullis.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Origin allow-list on the WebSocket handshake and as CORS on the HTTP API: protocol.md §1.1. RawClient,
 * because the Origin header a browser would send and the HTTP answer to the upgrade are what is tested.
 */
class OriginTest {
    private static final String APP = "https://app.example";

    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    private String upgrade(String... headers) {
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            String head = c.upgrade(server.wsPort(), headers);
            if (!head.startsWith("HTTP/1.1 101")) {
                c.awaitEndOfStream();
            }
            return head;
        }
    }

    @Test
    @DisplayName("§1.1: an allowed Origin upgrades; any other gets 403, no 101 and no socket, and is audited")
    void allowList() {
        server = servers.start("--allowed-origins", APP + ",http://localhost:3000");
        assertTrue(upgrade("Origin: " + APP).startsWith("HTTP/1.1 101"));
        assertTrue(upgrade("Origin: http://localhost:3000").startsWith("HTTP/1.1 101"));
        String refused = upgrade("Origin: https://evil.example");
        assertTrue(refused.startsWith("HTTP/1.1 403"), refused);
        assertFalse(refused.contains("Upgrade"), refused);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.auditEvents().stream().anyMatch(e ->
                e.get("event").asText().equals("origin_rejected")
                        && e.get("origin").asText().equals("https://evil.example")));
    }

    @Test
    @DisplayName("§1.1: matching is exact on the whole value: repeated, folded or decorated Origins never match")
    void exactMatch() {
        server = servers.start("--allowed-origins", APP);
        for (String[] headers : new String[][] {
                {"Origin: " + APP, "Origin: " + APP},
                {"Origin: " + APP + "/"},
                {"Origin: " + APP + ".evil.example"},
                {"Origin: HTTPS://APP.EXAMPLE"},
                {"Origin: " + APP + ", https://evil.example"},
                {"Origin: null"}}) {
            assertTrue(upgrade(headers).startsWith("HTTP/1.1 403"), String.join(" | ", headers));
        }
    }

    @Test
    @DisplayName("§1.1: no Origin (a non-browser client) is accepted unless --allow-missing-origin is off")
    void missingOrigin() {
        server = servers.start();
        assertTrue(upgrade().startsWith("HTTP/1.1 101"));
        assertTrue(upgrade("Origin: " + APP).startsWith("HTTP/1.1 403"), "no browser origin is allowed by default");
        server.close();
        server = servers.startAfter(server, "--allow-missing-origin", "false", "--allowed-origins", APP);
        assertTrue(upgrade().startsWith("HTTP/1.1 403"));
        assertTrue(upgrade("Origin: " + APP).startsWith("HTTP/1.1 101"));
    }

    @Test
    @DisplayName("§7: the HTTP API answers CORS for allowed origins only")
    void cors() {
        server = servers.start("--allowed-origins", APP);
        HttpResponse<String> preflight = server.send(HttpRequest.newBuilder(server.httpUri("/auth/login"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", APP).header("Access-Control-Request-Method", "POST").build());
        assertEquals(204, preflight.statusCode());
        assertEquals(APP, preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertEquals("POST", preflight.headers().firstValue("Access-Control-Allow-Methods").orElse(""));

        HttpResponse<String> login = server.send(HttpRequest.newBuilder(server.httpUri("/auth/login"))
                .header("Origin", APP)
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"alice\",\"password\":\"" + TestServer.PASSWORD + "\"}"))
                .build());
        assertEquals(200, login.statusCode());
        assertEquals(APP, login.headers().firstValue("Access-Control-Allow-Origin").orElse(""));

        HttpResponse<String> foreign = server.send(HttpRequest.newBuilder(server.httpUri("/auth/login"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example").build());
        assertEquals(405, foreign.statusCode());
        assertTrue(foreign.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    }
}
