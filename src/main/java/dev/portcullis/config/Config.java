package dev.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The whole configuration of one Portcullis process, resolved once at start and immutable after.
 * Derived paths (users file, secret file, audit log) are already resolved against the data dir.
 *
 * @param usersFileExplicit   whether the operator named the users file; only a default one is created
 * @param jwtSecretExplicit   whether the operator named the secret file; only a default one is generated
 * @param auditLog            the audit log file, or {@code null} to write audit lines to stderr
 * @param roomsFile           the room rules, or {@code null} when every room follows {@code roomDefaultAllow}
 * @param tlsKeystore         the keystore that turns on TLS for both listeners, or {@code null} for plain ws/http
 * @param redisUrl            the Redis shared by a cluster of instances, or {@code null} for a single instance
 */
public record Config(
        String bind,
        int wsPort,
        int httpPort,
        Path dataDir,
        Path usersFile,
        boolean usersFileExplicit,
        Path jwtSecretFile,
        boolean jwtSecretExplicit,
        String issuer,
        Duration tokenTtl,
        Duration clockLeeway,
        Duration authTimeout,
        int maxMessageBytes,
        int loginThreads,
        int loginQueue,
        int bcryptCost,
        Path auditLog,
        String logLevel,
        long maxOutboundBytes,
        Duration closeTimeout,
        Duration handshakeTimeout,
        Duration pingInterval,
        Path roomsFile,
        boolean roomDefaultAllow,
        int maxRoomsPerConnection,
        List<String> allowedOrigins,
        boolean allowMissingOrigin,
        AbuseConfig abuse,
        Set<String> authModes,
        Duration ticketTtl,
        Duration expiryWarning,
        Duration revalidateInterval,
        List<String> fernetKeys,
        Duration fernetTtl,
        Path tlsKeystore,
        String tlsKeystorePassword,
        String redisUrl) {

    /** Below this a frame cannot even carry an auth message with a realistic JWT. */
    public static final int MIN_MESSAGE_BYTES = 1024;
    public static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");
    public static final Set<String> AUTH_MODES = Set.of("message", "ticket", "cookie", "query-token");

    public Config {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(usersFile, "usersFile");
        Objects.requireNonNull(jwtSecretFile, "jwtSecretFile");
        Objects.requireNonNull(abuse, "abuse");
        authModes = Set.copyOf(authModes);
        if (!AUTH_MODES.containsAll(authModes) || !authModes.contains("message")) {
            throw new IllegalArgumentException("--auth-modes lists message (always on) and any of ticket, cookie, query-token");
        }
        requirePositive("ticket-ttl", ticketTtl);
        requirePositive("revalidate-interval", revalidateInterval);
        fernetKeys = List.copyOf(fernetKeys);
        if (!fernetTtl.isZero() && fernetTtl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--fernet-ttl must be 0s (no age check) or at least 1s");
        }
        if (tlsKeystore != null && tlsKeystorePassword == null) {
            throw new IllegalArgumentException("--tls-keystore needs --tls-keystore-password (or PORTCULLIS_TLS_KEYSTORE_PASSWORD)");
        }
        if (expiryWarning.isNegative() || expiryWarning.compareTo(tokenTtl) >= 0) {
            throw new IllegalArgumentException("--expiry-warning must be at least 0 and shorter than --token-ttl");
        }
        requirePort("ws-port", wsPort);
        requirePort("http-port", httpPort);
        if (issuer == null || issuer.isBlank()) {
            throw new IllegalArgumentException("--issuer must not be empty");
        }
        requirePositive("token-ttl", tokenTtl);
        requirePositive("auth-timeout", authTimeout);
        if (clockLeeway.isNegative()) {
            throw new IllegalArgumentException("--clock-leeway must not be negative");
        }
        if (maxMessageBytes < MIN_MESSAGE_BYTES) {
            throw new IllegalArgumentException("--max-message-bytes must be at least " + MIN_MESSAGE_BYTES);
        }
        if (loginThreads < 1 || loginQueue < 0) {
            throw new IllegalArgumentException("--login-threads must be at least 1 and --login-queue at least 0");
        }
        if (bcryptCost < 4 || bcryptCost > 30) {
            // jBCrypt refuses 31 although the format allows it.
            throw new IllegalArgumentException("--bcrypt-cost must be between 4 and 30");
        }
        // A relayed message is a little larger than what its sender sent; room for two keeps members of a
        // room with full-size messages from being closed as slow consumers on the first one.
        if (maxOutboundBytes < 2L * maxMessageBytes) {
            throw new IllegalArgumentException("--max-outbound-bytes must be at least twice --max-message-bytes");
        }
        requirePositive("ping-interval", pingInterval);
        requirePositive("close-timeout", closeTimeout);
        requirePositive("handshake-timeout", handshakeTimeout);
        if (maxRoomsPerConnection < 1) {
            throw new IllegalArgumentException("--max-rooms-per-connection must be at least 1");
        }
        allowedOrigins = List.copyOf(allowedOrigins);
        for (String origin : allowedOrigins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s;,]+")) {
                throw new IllegalArgumentException("--allowed-origins: '" + origin
                        + "' is not an origin (scheme://host[:port], no path) or '*'");
            }
        }
        if (redisUrl != null && !redisUrl.matches("rediss?://.+")) {
            throw new IllegalArgumentException("--redis-url must start with redis:// or rediss://");
        }
        if (!LOG_LEVELS.contains(logLevel)) {
            throw new IllegalArgumentException("--log-level must be one of trace, debug, info, warn, error");
        }
    }

    private static void requirePort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--" + name + " must be between 0 and 65535");
        }
    }

    private static void requirePositive(String name, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("--" + name + " must be positive");
        }
    }

    /** Never the TLS password, the Fernet keys or the Redis URL (it may hold a password): a configuration may end up in a log. */
    @Override
    public String toString() {
        return "Config[bind=" + bind + ", wsPort=" + wsPort + ", httpPort=" + httpPort + ", dataDir=" + dataDir
                + ", tls=" + (tlsKeystore != null) + ", fernetKeys=" + fernetKeys.size() + ", redis=" + (redisUrl != null)
                + ", secrets redacted]";
    }
}
