package dev.portcullis.config;

import static dev.portcullis.config.Checks.requirePositive;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How connections prove who they are and for how long: the token secret and lifetimes, the auth modes,
 * tickets and the checks on sessions that are already open.
 *
 * @param jwtSecretFile      already resolved against the data dir
 * @param jwtSecretExplicit  whether the operator named the secret file; only a default one is generated
 * @param timeout            how long a new WebSocket has to authenticate
 * @param modes              always contains {@code message}
 * @param expiryWarning      how long before its token expires a session is warned
 * @param revalidateInterval how often open sessions are re-checked against revocations, blocks and the users file
 */
public record AuthConfig(
        Path jwtSecretFile,
        boolean jwtSecretExplicit,
        String issuer,
        Duration tokenTtl,
        Duration clockLeeway,
        Duration timeout,
        Set<String> modes,
        Duration ticketTtl,
        Duration expiryWarning,
        Duration revalidateInterval) {

    public static final Set<String> MODES = Set.of("message", "ticket", "cookie", "query-token");

    public AuthConfig {
        Objects.requireNonNull(jwtSecretFile, "jwtSecretFile");
        modes = Set.copyOf(modes);
        if (!MODES.containsAll(modes) || !modes.contains("message")) {
            throw new IllegalArgumentException("--auth-modes lists message (always on) and any of ticket, cookie, query-token");
        }
        requirePositive("ticket-ttl", ticketTtl);
        requirePositive("revalidate-interval", revalidateInterval);
        if (expiryWarning.isNegative() || expiryWarning.compareTo(tokenTtl) >= 0) {
            throw new IllegalArgumentException("--expiry-warning must be at least 0 and shorter than --token-ttl");
        }
        if (issuer == null || issuer.isBlank()) {
            throw new IllegalArgumentException("--issuer must not be empty");
        }
        requirePositive("token-ttl", tokenTtl);
        requirePositive("auth-timeout", timeout);
        if (clockLeeway.isNegative()) {
            throw new IllegalArgumentException("--clock-leeway must not be negative");
        }
    }

    /** Whether {@code mode} (one of {@link #MODES}) is turned on. */
    public boolean allows(String mode) {
        return modes.contains(mode);
    }
}
