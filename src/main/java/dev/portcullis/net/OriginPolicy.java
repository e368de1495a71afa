package dev.portcullis.net;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which browser origins may open a WebSocket or read HTTP API answers (RFC 6455 §10.2, CORS). Matching is
 * exact on the whole header value, so a repeated Origin header (which Java-WebSocket joins as
 * {@code "a; b"}) or any decoration never matches. No Origin at all means a non-browser client.
 * Besides the operator's list, the server's own HTTP origins are allowed once its HTTP listener is bound
 * (see {@link #allowOwn}): a page it serves itself, the browser demo, is not a foreign site.
 */
public final class OriginPolicy {
    private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "::", "0:0:0:0:0:0:0:0");

    private final Set<String> allowed;
    private final boolean any;
    private final boolean allowMissing;
    /**
     * The server's own HTTP origins ({@link #ownOrigins}). Empty until the HTTP listener is bound, then
     * written once by the wiring thread; read by WebSocket and HTTP threads.
     */
    private volatile Set<String> own = Set.of();

    /** {@code allowed} holds exact origins such as {@code https://app.example}, or {@code *} for any. */
    public OriginPolicy(List<String> allowed, boolean allowMissing) {
        this.allowed = Set.copyOf(allowed);
        this.any = allowed.contains("*");
        this.allowMissing = allowMissing;
    }

    /** Allows the server's own HTTP origins too, as computed by {@link #ownOrigins}. */
    public void allowOwn(List<String> origins) {
        own = Set.copyOf(origins);
    }

    /**
     * The origins a browser gives a page loaded from the HTTP listener at {@code bind}:{@code port}, in the
     * form browsers write them (lowercase, IPv6 in brackets, port 80 or 443 left out with its scheme). A
     * listener on {@code 127.0.0.1} or {@code ::1} also answers as {@code localhost}; a wildcard one
     * ({@code 0.0.0.0}, {@code ::}) has no name of its own that we could know, so it gets none and the
     * operator lists the public origin in {@code --allowed-origins}.
     */
    public static List<String> ownOrigins(String scheme, String bind, int port) {
        String host = bareHost(bind);
        List<String> hosts = isWildcard(host) ? List.of() : switch (host) {
            case "localhost" -> List.of("localhost", "127.0.0.1", "[::1]");
            case "127.0.0.1" -> List.of("127.0.0.1", "localhost");
            case "::1", "0:0:0:0:0:0:0:1" -> List.of("[::1]", "localhost");
            default -> List.of(host.contains(":") ? "[" + host + "]" : host);
        };
        boolean defaultPort = (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return hosts.stream().map(h -> scheme + "://" + h + (defaultPort ? "" : ":" + port)).toList();
    }

    /** Whether {@code bind} is an address of every interface rather than of one. */
    public static boolean isWildcard(String bind) {
        return WILDCARDS.contains(bareHost(bind));
    }

    /** A host as configured, lowercase and without IPv6 brackets. */
    private static String bareHost(String bind) {
        String host = bind.strip().toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Whether a request carrying {@code origin} (null when the header is absent) is let through. */
    public boolean allows(String origin) {
        if (origin == null) {
            return allowMissing;
        }
        String value = origin.strip();
        if (value.isEmpty() || value.contains(";") || value.contains(",")) {
            return false;
        }
        // "null" is what sandboxed frames and file: pages send: only an explicit listing admits it, never '*'.
        return allowed.contains(value) || own.contains(value) || (any && !value.equals("null"));
    }

    /** Whether a CORS answer may name {@code origin}: only a present, allowed one. */
    public boolean allowsCors(String origin) {
        return origin != null && allows(origin);
    }
}
