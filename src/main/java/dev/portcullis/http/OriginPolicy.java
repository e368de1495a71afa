package dev.portcullis.http;

import java.util.List;
import java.util.Set;

/**
 * Which browser origins may open a WebSocket or read HTTP API answers (RFC 6455 §10.2, CORS). Matching is
 * exact on the whole header value, so a repeated Origin header (which Java-WebSocket joins as
 * {@code "a; b"}) or any decoration never matches. No Origin at all means a non-browser client.
 */
public final class OriginPolicy {
    private final Set<String> allowed;
    private final boolean any;
    private final boolean allowMissing;

    /** {@code allowed} holds exact origins such as {@code https://app.example}, or {@code *} for any. */
    public OriginPolicy(List<String> allowed, boolean allowMissing) {
        this.allowed = Set.copyOf(allowed);
        this.any = allowed.contains("*");
        this.allowMissing = allowMissing;
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
        return allowed.contains(value) || (any && !value.equals("null"));
    }

    /** Whether a CORS answer may name {@code origin}: only a present, allowed one. */
    public boolean allowsCors(String origin) {
        return origin != null && allows(origin);
    }
}
