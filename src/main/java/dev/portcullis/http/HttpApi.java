package dev.portcullis.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.portcullis.cluster.SharedState;
import dev.portcullis.config.HttpConfig;
import dev.portcullis.health.Liveness;
import dev.portcullis.net.Tls;
import java.io.IOException;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API on the JDK's {@code com.sun.net.httpserver}: {@code POST /auth/login}, {@code GET /healthz},
 * the admin endpoints for blocks, and the browser demo at {@code GET /}. Every request passes the Host check
 * and the per-address limit ({@link RequestGuard}) and must arrive within the request timeout
 * ({@link HandlerPool}).
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    /** The JDK's name for its cap on open connections (module jdk.httpserver). */
    private static final String MAX_CONNECTIONS_PROPERTY = "jdk.httpserver.maxConnections";

    private final HttpServer server;
    private final HandlerPool handlers;

    private HttpApi(HttpServer server, HandlerPool handlers) {
        this.server = server;
        this.handlers = handlers;
    }

    /** Starts the API; with {@code tls} it is HTTPS and cookies are {@code Secure}. */
    public static HttpApi start(InetSocketAddress address, HttpConfig config, HttpServices services, long tokenTtlSeconds,
                                SSLContext tls) throws IOException {
        capConnections(config.maxConnections());
        HttpServer server;
        if (tls == null) {
            server = HttpServer.create(address, 0);
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters params) {
                    params.setSSLParameters(Tls.parameters(tls));
                }
            });
            server = https;
        }
        HandlerPool handlers = new HandlerPool(config.threads(), config.requestTimeout(), services.metrics());
        server.setExecutor(handlers);
        AllowedHosts hosts = AllowedHosts.of(address.getHostString(), config.allowedHosts());
        if (hosts.unnamedWildcard()) {
            log.warn("--bind {} without --allowed-hosts: the HTTP API answers requests for IP addresses and localhost"
                    + " only; list the DNS names clients use, e.g. --allowed-hosts chat.example", address.getHostString());
        } else if (hosts.any()) {
            log.warn("--allowed-hosts '*': the HTTP API answers any Host, so a web page can reach it by DNS rebinding");
        }
        AdminHandlers admin = new AdminHandlers(services);
        CredentialHandlers credentials = new CredentialHandlers(services);
        DemoPage demo = new DemoPage(address.getHostString(), services.wsPort(), tls != null);
        RequestGuard guard = new RequestGuard(hosts, services.forwardedFor(), services.addressPrefix(),
                config.maxRequestsPerIp(), services.metrics());
        Routes routes = new Routes(services.origins(), handlers)
                .add("POST", "/auth/login", new LoginHandler(services, guard, tokenTtlSeconds, tls != null))
                .add("POST", "/auth/ticket", credentials::ticket)
                .add("POST", "/auth/refresh", credentials::refresh)
                .add("POST", "/auth/logout", credentials::logout)
                .add("POST", "/admin/block", admin::block)
                .add("POST", "/admin/unblock", admin::unblock)
                .add("GET", "/admin/blocks", admin::list)
                .add("GET", "/metrics", exchange -> HttpText.send(exchange, 200,
                        "text/plain; version=0.0.4; charset=utf-8", services.metrics().render()))
                .add("GET", "/healthz", exchange -> health(exchange, services.shared(), services.liveness()))
                .add("GET", "/client-config", demo::clientConfig);
        demo.paths().forEach(path -> routes.add("GET", path, demo::file));
        server.createContext("/", routes).getFilters().add(guard);
        server.start();
        return new HttpApi(server, handlers);
    }

    /**
     * The JDK's server takes its cap on open connections from a system property, read once per process when the
     * first server starts: set it unless whoever runs this JVM did. Past the cap it closes new connections at
     * once, so idle ones cannot take every file descriptor of the process.
     */
    private static void capConnections(int max) {
        String set = System.getProperty(MAX_CONNECTIONS_PROPERTY);
        if (set == null) {
            System.setProperty(MAX_CONNECTIONS_PROPERTY, Integer.toString(max));
        } else if (!set.equals(Integer.toString(max))) {
            log.warn("-D{}={} is set for this JVM; it, not --http-max-connections {}, caps the HTTP API's connections",
                    MAX_CONNECTIONS_PROPERTY, set, max);
        }
    }

    /**
     * 200 {@code {"status":"ok"}} on a single instance; in a cluster also {@code "redis":"up"}, or 503
     * {@code {"status":"degraded","redis":"down"}} while Redis cannot be reached, so a load balancer sends new
     * clients elsewhere; 503 {@code {"status":"failed"}} once an essential part has died and the process is
     * about to exit.
     */
    private static void health(HttpExchange exchange, SharedState shared, Liveness liveness) {
        if (liveness.failure().isPresent()) {
            HttpJson.send(exchange, 503, HttpJson.object().put("status", "failed"));
            return;
        }
        boolean up = shared.available();
        ObjectNode body = HttpJson.object().put("status", up ? "ok" : "degraded");
        if (shared.engine().equals("redis")) {
            body.put("redis", up ? "up" : "down");
        }
        HttpJson.send(exchange, up ? 200 : 503, body);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.close();
    }
}
