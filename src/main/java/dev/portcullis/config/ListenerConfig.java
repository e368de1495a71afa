package dev.portcullis.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The two listeners, WebSocket and HTTP: where they bind, whether they speak TLS and which browser origins
 * may use them.
 *
 * @param tlsKeystore         the keystore that turns on TLS for both listeners, or {@code null} for plain ws/http
 * @param tlsKeystorePassword the keystore's password; required with a keystore
 * @param allowedOrigins      origins ({@code scheme://host[:port]}) or {@code *} besides the server's own
 * @param allowMissingOrigin  whether a client that sends no Origin header (not a browser) is accepted
 */
public record ListenerConfig(
        String bind,
        int wsPort,
        int httpPort,
        Path tlsKeystore,
        String tlsKeystorePassword,
        List<String> allowedOrigins,
        boolean allowMissingOrigin) {

    public ListenerConfig {
        Objects.requireNonNull(bind, "bind");
        if (tlsKeystore != null && tlsKeystorePassword == null) {
            throw new IllegalArgumentException("--tls-keystore needs --tls-keystore-password (or PORTCULLIS_TLS_KEYSTORE_PASSWORD)");
        }
        requirePort("ws-port", wsPort);
        requirePort("http-port", httpPort);
        allowedOrigins = List.copyOf(allowedOrigins);
        for (String origin : allowedOrigins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s;,]+")) {
                throw new IllegalArgumentException("--allowed-origins: '" + origin
                        + "' is not an origin (scheme://host[:port], no path) or '*'");
            }
        }
    }

    private static void requirePort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--" + name + " must be between 0 and 65535");
        }
    }

    /** Whether both listeners speak TLS (wss and https). */
    public boolean tls() {
        return tlsKeystore != null;
    }

    /** Never the keystore password: a configuration may end up in a log. */
    @Override
    public String toString() {
        return "ListenerConfig[bind=" + bind + ", wsPort=" + wsPort + ", httpPort=" + httpPort + ", tls=" + tls()
                + ", allowedOrigins=" + allowedOrigins + ", allowMissingOrigin=" + allowMissingOrigin
                + ", password redacted]";
    }
}
