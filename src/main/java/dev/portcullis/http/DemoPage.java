package dev.portcullis.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.portcullis.net.OriginPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The browser demo (protocol.md §9c): plain HTML, CSS and JavaScript from {@code /web} in the jar at
 * {@code GET /}, and {@code GET /client-config} with the WebSocket URL the page connects to, which is on
 * another port. Every file goes out with a strict Content-Security-Policy that lets the page talk to this
 * HTTP API and to the WebSocket listener, and to nothing else.
 */
final class DemoPage {
    /** The files under {@code /web} in the jar, each served at {@code /NAME}, and index.html at {@code /}. */
    private static final List<String> FILES = List.of(
            "index.html", "demo.css", "demo.js", "api.js", "closes.js", "fernet.js", "rooms.js", "view.js");
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8");
    /** A Host header we are willing to echo into a URL: a DNS name or an IP literal, and a port. */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?");

    private record Asset(String contentType, byte[] bytes) {
    }

    private final Map<String, Asset> files = new LinkedHashMap<>();
    private final String bind;
    private final int wsPort;
    /** {@code ws} or, with TLS, {@code wss}. */
    private final String wsScheme;

    /** Reads the files once; a jar without them is a build error, so this throws. */
    DemoPage(String bind, int wsPort, boolean tls) {
        this.bind = bind;
        this.wsPort = wsPort;
        this.wsScheme = tls ? "wss" : "ws";
        for (String name : FILES) {
            files.put(name.equals("index.html") ? "/" : "/" + name,
                    new Asset(CONTENT_TYPES.get(name.substring(name.lastIndexOf('.') + 1)), read(name)));
        }
    }

    /** The URL paths of the demo's files. */
    Set<String> paths() {
        return files.keySet();
    }

    /** {@code GET} (or {@code HEAD}) one of {@link #paths()}. */
    void file(HttpExchange exchange) throws IOException {
        Asset file = files.get(exchange.getRequestURI().getPath());
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Type", file.contentType());
        headers.set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
                + "img-src 'self' data:; connect-src 'self' " + wsSource(exchange) + "; "
                + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("Cross-Origin-Opener-Policy", "same-origin");
        // Revalidate every time, so a new jar's page never runs with an old script.
        headers.set("Cache-Control", "no-cache");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(200, head ? -1 : file.bytes().length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(file.bytes());
            }
        }
        exchange.close();
    }

    /** {@code GET /client-config}: {@code {"ws_url":"ws://HOST:PORT/"}}. */
    void clientConfig(HttpExchange exchange) {
        HttpJson.send(exchange, 200, HttpJson.object().put("ws_url", wsScheme + "://" + wsHost(exchange) + ":" + wsPort + "/"));
    }

    /**
     * The host of the WebSocket URL: the bind address, or, when the server listens on every interface, the
     * host the page itself was loaded from (the request's {@code Host}), which the browser can evidently reach.
     */
    private String wsHost(HttpExchange exchange) {
        if (!OriginPolicy.isWildcard(bind)) {
            return bind.contains(":") && !bind.startsWith("[") ? "[" + bind + "]" : bind;
        }
        Matcher m = HOST.matcher(String.valueOf(exchange.getRequestHeaders().getFirst("Host")));
        return m.matches() ? m.group(1) : "localhost";
    }

    /** The WebSocket listener as a CSP source. CSP has no syntax for IPv6 hosts, so those get any {@code ws:}. */
    private String wsSource(HttpExchange exchange) {
        String host = wsHost(exchange);
        return host.startsWith("[") ? wsScheme + ":" : wsScheme + "://" + host + ":" + wsPort;
    }

    private static byte[] read(String name) {
        try (InputStream in = DemoPage.class.getResourceAsStream("/web/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks /web/" + name + " (the browser demo)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
