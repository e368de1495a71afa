package dev.portcullis.config;

import java.time.Duration;
import java.util.List;

/**
 * Payload encryption with Fernet: the keys (the first encrypts, all decrypt) and the oldest token accepted.
 *
 * @param fernetKeys the keys as given; empty means DATA_DIR/fernet.keys, or no encryption without that file
 * @param fernetTtl  the oldest Fernet token accepted, or zero for no age check
 */
public record EncryptionConfig(List<String> fernetKeys, Duration fernetTtl) {

    public EncryptionConfig {
        fernetKeys = List.copyOf(fernetKeys);
        if (!fernetTtl.isZero() && fernetTtl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--fernet-ttl must be 0s (no age check) or at least 1s");
        }
    }

    /** Never the keys: a configuration may end up in a log. */
    @Override
    public String toString() {
        return "EncryptionConfig[fernetKeys=" + fernetKeys.size() + ", fernetTtl=" + fernetTtl + ", keys redacted]";
    }
}
