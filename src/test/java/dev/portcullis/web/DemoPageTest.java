package dev.portcullis.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.net.OriginPolicy;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How the server serves the browser demo (protocol.md §9c) and lets its own page in (§1.1), without a
 * browser. Upgrades use RawClient, because the page's Origin header and the HTTP answer are what is tested.
 */
class DemoPageTest {
    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    private HttpResponse<String> get(String path) {
        return server.send(HttpRequest.newBuilder(server.httpUri(path)).GET().build());
    }

    private String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse("");
    }

    private String upgrade(String origin) {
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            String head = c.upgrade(server.wsPort(), "Origin: " + origin);
            if (!head.startsWith("HTTP/1.1 101")) {
                c.awaitEndOfStream();
            }
            return head;
        }
    }

    @Test
    @DisplayName("§9c: GET / and the demo's files come from the jar with their type, nosniff and a CSP that admits only this API and the WebSocket")
    void files() {
        server = servers.start();
        Map<String, String> types = Map.of("/", "text/html; charset=utf-8", "/demo.css", "text/css; charset=utf-8",
                "/demo.js", "text/javascript; charset=utf-8", "/fernet.js", "text/javascript; charset=utf-8");
        types.forEach((path, type) -> {
            HttpResponse<String> r = get(path);
            assertEquals(200, r.statusCode(), path);
            assertEquals(type, header(r, "Content-Type"), path);
            assertEquals("nosniff", header(r, "X-Content-Type-Options"), path);
            assertEquals("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                    + "connect-src 'self' ws://127.0.0.1:" + server.wsPort() + "; base-uri 'none'; form-action 'none'; "
                    + "frame-ancestors 'none'", header(r, "Content-Security-Policy"), path);
        });
        assertTrue(get("/").body().contains("<script type=\"module\" src=\"/demo.js\"></script>"));
        HttpResponse<String> head = server.send(HttpRequest.newBuilder(server.httpUri("/")).method("HEAD",
                HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        HttpResponse<String> post = server.post("/", "{}");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", header(post, "Allow"));
        assertEquals(404, get("/index.html").statusCode());
        assertEquals(404, get("/web/demo.js").statusCode());
    }

    @Test
    @DisplayName("§9c: GET /client-config names the WebSocket listener on the bind address, as JSON")
    void clientConfig() {
        server = servers.start();
        HttpResponse<String> r = get("/client-config");
        assertEquals(200, r.statusCode());
        assertEquals("application/json; charset=utf-8", header(r, "Content-Type"));
        assertEquals("no-store", header(r, "Cache-Control"));
        assertEquals("{\"ws_url\":\"ws://127.0.0.1:" + server.wsPort() + "/\"}", r.body().strip());
    }

    @Test
    @DisplayName("§9c: on a wildcard bind, the WebSocket URL and the CSP use the host the page was loaded from")
    void wildcardBind() {
        server = servers.start("--bind", "0.0.0.0");
        assertEquals("{\"ws_url\":\"ws://127.0.0.1:" + server.wsPort() + "/\"}", get("/client-config").body().strip());
        assertTrue(header(get("/"), "Content-Security-Policy").contains("connect-src 'self' ws://127.0.0.1:" + server.wsPort() + ";"));
    }

    @Test
    @DisplayName("§1.1: the server's own HTTP origins may open the WebSocket with no --allowed-origins; other ports and sites may not")
    void ownOrigin() {
        server = servers.start();
        int http = server.httpUri("/").getPort();
        assertTrue(upgrade("http://127.0.0.1:" + http).startsWith("HTTP/1.1 101"));
        assertTrue(upgrade("http://localhost:" + http).startsWith("HTTP/1.1 101"));
        for (String foreign : List.of("http://127.0.0.1:" + (http == 65535 ? 1 : http + 1), "https://127.0.0.1:" + http,
                "http://127.0.0.1:" + http + "/", "https://app.example")) {
            assertTrue(upgrade(foreign).startsWith("HTTP/1.1 403"), foreign);
        }
        server.close();
        server = servers.startAfter(server, "--bind", "0.0.0.0");
        int wildcardHttp = server.httpUri("/").getPort();
        assertTrue(upgrade("http://127.0.0.1:" + wildcardHttp).startsWith("HTTP/1.1 403"),
                "a wildcard bind has no origin of its own: the operator lists the public one");
    }

    @Test
    @DisplayName("§1.1: own origins are written as browsers send them, for each kind of bind address")
    void ownOriginsByBind() {
        assertEquals(List.of("http://127.0.0.1:8081", "http://localhost:8081"), OriginPolicy.ownOrigins("http", "127.0.0.1", 8081));
        assertEquals(List.of("http://[::1]:8081", "http://localhost:8081"), OriginPolicy.ownOrigins("http", "::1", 8081));
        assertEquals(List.of("http://localhost:8081", "http://127.0.0.1:8081", "http://[::1]:8081"),
                OriginPolicy.ownOrigins("http", "localhost", 8081));
        assertEquals(List.of("http://[2001:db8::7]:8081"), OriginPolicy.ownOrigins("http", "[2001:DB8::7]", 8081));
        assertEquals(List.of("http://chat.example"), OriginPolicy.ownOrigins("http", "Chat.Example", 80));
        assertEquals(List.of("https://10.0.0.5"), OriginPolicy.ownOrigins("https", "10.0.0.5", 443));
        assertEquals(List.of("http://127.0.0.2:8081"), OriginPolicy.ownOrigins("http", "127.0.0.2", 8081));
        assertEquals(List.of(), OriginPolicy.ownOrigins("http", "0.0.0.0", 8081));
        assertEquals(List.of(), OriginPolicy.ownOrigins("http", "::", 8081));
    }
}
