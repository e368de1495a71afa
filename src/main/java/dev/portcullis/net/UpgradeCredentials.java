package dev.portcullis.net;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reading credentials out of a WebSocket upgrade request: the query string and the session cookie, whose
 * name the HTTP login that sets the cookie shares.
 */
public final class UpgradeCredentials {
    /** The cookie {@code POST /auth/login} sets in cookie mode. */
    public static final String SESSION_COOKIE = "portcullis_session";

    private UpgradeCredentials() {
    }

    /** The query parameters of a request URI such as {@code /?ticket=abc}; the first value of each name wins. */
    public static Map<String, String> query(String resource) {
        Map<String, String> params = new HashMap<>();
        int q = resource == null ? -1 : resource.indexOf('?');
        if (q < 0) {
            return params;
        }
        for (String pair : resource.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                try {
                    params.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    // a malformed escape: not a credential
                }
            }
        }
        return params;
    }

    /** The value of cookie {@code name} in a {@code Cookie} header (repeated headers arrive joined by "; "). */
    public static String cookie(String header, String name) {
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith(name + "=")) {
                String value = p.substring(name.length() + 1);
                return value.isEmpty() ? null : value;
            }
        }
        return null;
    }
}
