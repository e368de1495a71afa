package dev.portcullis.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.portcullis.limit.AddressPrefix;
import dev.portcullis.limit.ForwardedFor;
import dev.portcullis.metrics.Metrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every request passes before routing (protocol.md §7): its {@code Host} must name this server
 * (421, or 400 when there is not exactly one), and its client address may have at most so many requests on
 * handler threads at once (429). The JDK server shows a filter exchanges, not connections, and only once
 * their headers are in: the time before that is bounded by {@link HandlerPool}.
 */
final class RequestGuard extends Filter {
    /**
     * Each request's client key while it is inside this filter. Not the exchange's attributes: the JDK keeps
     * those in the context, shared by every request at once, so one request would read another's address.
     */
    private final Map<HttpExchange, String> keys = new ConcurrentHashMap<>();

    private final AllowedHosts hosts;
    private final ForwardedFor forwardedFor;
    /** At most this many requests per client address past this filter and not yet let go of; 0 is no limit. */
    private final AddressPrefix prefix;
    private final int maxPerIp;
    private final Metrics metrics;
    /** Requests per client address inside this filter; guarded by itself, written by handler threads. */
    private final Map<String, Integer> inside = new HashMap<>();

    RequestGuard(AllowedHosts hosts, ForwardedFor forwardedFor, AddressPrefix prefix, int maxPerIp, Metrics metrics) {
        this.hosts = hosts;
        this.forwardedFor = forwardedFor;
        this.prefix = prefix;
        this.maxPerIp = maxPerIp;
        this.metrics = metrics;
    }

    @Override
    public String description() {
        return "Host check and per-address request limit";
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        switch (hosts.check(exchange.getRequestHeaders().get("Host"))) {
            case MALFORMED -> {
                refuse(exchange, 400, "invalid_request", "send exactly one Host header", "unknown_host");
                return;
            }
            case UNKNOWN -> {
                refuse(exchange, 421, "unknown_host", "this server does not answer to that Host", "unknown_host");
                return;
            }
            default -> {
            }
        }
        // Every X-Forwarded-For line, in order: a proxy that adds its own line must not lose to a forged first one.
        List<String> forwarded = exchange.getRequestHeaders().get("X-Forwarded-For");
        String ip = forwardedFor.clientAddress(peerIp(exchange), forwarded == null ? null : String.join(",", forwarded));
        String key = prefix.keyOf(ip);
        if (!enter(key)) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            refuse(exchange, 429, "too_many_requests", "too many requests in progress from this address; retry shortly",
                    "too_many_requests");
            return;
        }
        keys.put(exchange, key);
        try {
            chain.doFilter(exchange);
        } finally {
            keys.remove(exchange);
            leave(key);
        }
    }

    private boolean enter(String ip) {
        synchronized (inside) {
            int n = inside.getOrDefault(ip, 0);
            if (maxPerIp > 0 && n >= maxPerIp) {
                return false;
            }
            inside.put(ip, n + 1);
            return true;
        }
    }

    private void leave(String ip) {
        synchronized (inside) {
            inside.computeIfPresent(ip, (k, n) -> n == 1 ? null : n - 1);
        }
    }

    /** Answers and closes the connection: a client that is refused has nothing more to send on it. */
    private void refuse(HttpExchange exchange, int status, String code, String message, String reason) {
        metrics.httpRefused(reason);
        exchange.getResponseHeaders().set("Connection", "close");
        HttpJson.send(exchange, status, HttpJson.error(code, message));
    }

    private static String peerIp(HttpExchange exchange) {
        InetSocketAddress a = exchange.getRemoteAddress();
        return a == null ? "unknown" : a.getAddress().getHostAddress();
    }

    /**
     * What per-address limits count the client as: its address (behind a trusted proxy, the one it forwards),
     * or the network prefix it is in (an IPv6 /64 by default, {@link AddressPrefix}).
     */
    String clientKey(HttpExchange exchange) {
        return keys.get(exchange);
    }
}
