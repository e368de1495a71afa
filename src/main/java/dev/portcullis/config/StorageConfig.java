package dev.portcullis.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where state outlives a connection: the data dir, the audit log and, for a cluster, the shared Redis.
 *
 * @param dataDir  holds the generated secret and users file, the Fernet keys file and the single-instance state
 * @param auditLog the audit log file, already resolved against the data dir, or {@code null} for stderr
 * @param redisUrl the Redis shared by a cluster of instances, or {@code null} for a single instance
 */
public record StorageConfig(Path dataDir, Path auditLog, String redisUrl) {

    public StorageConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        if (redisUrl != null && !redisUrl.matches("rediss?://.+")) {
            throw new IllegalArgumentException("--redis-url must start with redis:// or rediss://");
        }
    }

    /** Never the Redis URL: it may hold a password, and a configuration may end up in a log. */
    @Override
    public String toString() {
        return "StorageConfig[dataDir=" + dataDir + ", auditLog=" + auditLog + ", redis=" + (redisUrl != null)
                + ", url redacted]";
    }
}
