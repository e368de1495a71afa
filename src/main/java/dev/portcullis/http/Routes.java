package dev.portcullis.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.portcullis.cluster.BrokerUnavailableException;
import dev.portcullis.net.OriginPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact-path routing with one method per path: an unknown path is 404, a known path with the wrong method
 * is 405 with {@code Allow}. The JDK server matches contexts by prefix, so this is the only context. Before
 * a route runs, its body is read whole into memory within the request deadline ({@link HandlerPool}), so no
 * handler, and no thread a handler answers from, ever waits on a client's bytes.
 */
final class Routes implements HttpHandler {
    static final Logger log = LoggerFactory.getLogger(Routes.class);

    private record Route(String method, HttpHandler handler) {
    }

    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final OriginPolicy origins;
    private final HandlerPool pool;

    Routes(OriginPolicy origins, HandlerPool pool) {
        this.origins = origins;
        this.pool = pool;
    }

    Routes add(String method, String path, HttpHandler handler) {
        routes.put(path, new Route(method, handler));
        return this;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try {
            Route route = routes.get(exchange.getRequestURI().getPath());
            if (route == null) {
                HttpJson.send(exchange, 404, HttpJson.error("not_found", null));
                return;
            }
            String method = exchange.getRequestMethod();
            List<String> originHeaders = exchange.getRequestHeaders().getOrDefault("Origin", List.of());
            // Like the WebSocket check: a repeated Origin header never matches.
            String origin = originHeaders.size() == 1 ? originHeaders.get(0) : null;
            if (origins.allowsCors(origin)) {
                // Only an allowed origin is named; any other gets no CORS header and the browser hides the answer.
                exchange.getResponseHeaders().set("Access-Control-Allow-Origin", origin.strip());
                exchange.getResponseHeaders().set("Vary", "Origin");
                if (method.equals("OPTIONS")) {
                    exchange.getResponseHeaders().set("Access-Control-Allow-Methods", route.method());
                    exchange.getResponseHeaders().set("Access-Control-Allow-Headers", "Content-Type, Authorization");
                    exchange.getResponseHeaders().set("Access-Control-Max-Age", "600");
                    exchange.sendResponseHeaders(204, -1);
                    exchange.close();
                    return;
                }
            }
            boolean headForGet = method.equals("HEAD") && route.method().equals("GET");
            if (!method.equals(route.method()) && !headForGet) {
                exchange.getResponseHeaders().set("Allow", route.method().equals("GET") ? "GET, HEAD" : route.method());
                HttpJson.send(exchange, 405, HttpJson.error("method_not_allowed", null));
                return;
            }
            if (readBody(exchange)) {
                route.handler().handle(exchange);
            }
        } catch (BrokerUnavailableException e) {
            // A lookup in the cluster's shared state that cannot be trusted now: fail closed, and say why.
            HttpJson.brokerUnavailable(exchange, e);
        } catch (Exception e) {
            log.error("HTTP handler failed", e);
            HttpJson.send(exchange, 500, HttpJson.error("internal_error", null));
        }
    }

    /**
     * Reads the body, at most {@link HttpJson#MAX_BODY_BYTES}, and hands it to the route from memory; true
     * when the route may run. A bigger body gets 413 here, whatever the route; a body that does not arrive in
     * time, or a client that hangs up, gets nothing.
     */
    private boolean readBody(HttpExchange exchange) {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && isOver(declared)) {
            tooLarge(exchange);
            return false;
        }
        byte[] body;
        try {
            body = exchange.getRequestBody().readNBytes(HttpJson.MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            exchange.close();
            return false;
        }
        if (body.length > HttpJson.MAX_BODY_BYTES) {
            tooLarge(exchange);
            return false;
        }
        if (!pool.finishedReading()) {
            exchange.close();
            return false;
        }
        exchange.setStreams(new ByteArrayInputStream(body), null);
        return true;
    }

    private static boolean isOver(String contentLength) {
        try {
            return Long.parseLong(contentLength.strip()) > HttpJson.MAX_BODY_BYTES;
        } catch (NumberFormatException e) {
            // The JDK refuses such a request before any handler; if one came through, the read decides.
            return false;
        }
    }

    /** 413 with {@code Connection: close}: the rest of the body is not worth reading to keep the connection. */
    private static void tooLarge(HttpExchange exchange) {
        exchange.getResponseHeaders().set("Connection", "close");
        HttpJson.send(exchange, 413, HttpJson.error("body_too_large",
                "request bodies are limited to " + HttpJson.MAX_BODY_BYTES + " bytes"));
    }

    static String remote(HttpExchange exchange) {
        InetSocketAddress a = exchange.getRemoteAddress();
        return a == null ? "unknown" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

}
