package dev.portcullis.config;

import java.util.Objects;
import java.util.Set;

/**
 * The whole configuration of one Portcullis process, resolved once at start and immutable after, in one
 * record per concern. Each part checks its own options; derived paths are already resolved against the data dir.
 */
public record Config(
        ListenerConfig listeners,
        HttpConfig http,
        StorageConfig storage,
        AuthConfig auth,
        LoginConfig logins,
        ConnectionConfig connections,
        RoomConfig rooms,
        EncryptionConfig encryption,
        AbuseConfig abuse,
        String logLevel) {

    public static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

    public Config {
        Objects.requireNonNull(listeners, "listeners");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(logins, "logins");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(rooms, "rooms");
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(abuse, "abuse");
        if (!LOG_LEVELS.contains(logLevel)) {
            throw new IllegalArgumentException("--log-level must be one of trace, debug, info, warn, error");
        }
    }

    /** Never the TLS password, the Fernet keys or the Redis URL (it may hold a password): a configuration may end up in a log. */
    @Override
    public String toString() {
        return "Config[bind=" + listeners.bind() + ", wsPort=" + listeners.wsPort() + ", httpPort=" + listeners.httpPort()
                + ", dataDir=" + storage.dataDir() + ", tls=" + listeners.tls()
                + ", fernetKeys=" + encryption.fernetKeys().size() + ", redis=" + (storage.redisUrl() != null)
                + ", secrets redacted]";
    }
}
