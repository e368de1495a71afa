package dev.portcullis.config;

import static dev.portcullis.config.Checks.requirePositive;

import dev.portcullis.limit.RateSpec;
import java.time.Duration;
import java.util.List;

/**
 * The abuse controls' settings (protocol.md §12). Every limit can be {@code off}; counts of 0 mean off.
 *
 * @param rateLimit          per-user message rate, across all of the user's connections
 * @param blockAfter         rate-limit and access violations within {@code blockWindow} that block a user; 0 = never
 * @param ipConnectRate      new WebSocket connections per client address
 * @param maxPendingPerIp    connections per address not yet authenticated; 0 = no cap
 * @param ipAuthFailures     failed auths per address (a window) that ban it for {@code ipBanDuration}
 * @param trustedProxies     peers whose {@code X-Forwarded-For} names the client
 * @param maxConnections     open WebSocket connections in all; 0 = no cap
 * @param maxPendingConnections connections in all not yet authenticated, past which the oldest is displaced; 0 = no cap
 * @param ipv4Prefix         leading bits of an IPv4 address that the per-address limits count as one client
 * @param ipv6Prefix         the same for IPv6
 */
public record AbuseConfig(
        RateSpec rateLimit,
        int blockAfter,
        Duration blockWindow,
        Duration blockDuration,
        RateSpec ipConnectRate,
        int maxPendingPerIp,
        RateSpec ipAuthFailures,
        Duration ipBanDuration,
        List<String> trustedProxies,
        RateSpec loginFailuresPerUser,
        RateSpec loginFailuresPerIp,
        int maxConnections,
        int maxPendingConnections,
        int ipv4Prefix,
        int ipv6Prefix) {
    /**
     * {@code auto} for {@code --max-pending-connections} is this share of {@code --max-connections}: room
     * for a reconnect storm of honest clients, while a flood of idle ones can hold at most that share.
     */
    public static final int AUTO_PENDING_DIVISOR = 4;

    public AbuseConfig {
        trustedProxies = List.copyOf(trustedProxies);
        if (blockAfter < 0 || maxPendingPerIp < 0 || maxConnections < 0 || maxPendingConnections < 0) {
            throw new IllegalArgumentException("--block-after, --max-pending-per-ip, --max-connections and"
                    + " --max-pending-connections must not be negative");
        }
        if (maxConnections > 0 && maxPendingConnections > maxConnections) {
            throw new IllegalArgumentException("--max-pending-connections must not exceed --max-connections");
        }
        for (RateSpec s : List.of(ipAuthFailures, loginFailuresPerUser, loginFailuresPerIp)) {
            if (s.kind() == RateSpec.Kind.BUCKET) {
                throw new IllegalArgumentException("failure thresholds are COUNT:SECONDS or off");
            }
        }
        if (ipv4Prefix < 1 || ipv4Prefix > 32) {
            throw new IllegalArgumentException("--ipv4-prefix must be 1 to 32");
        }
        if (ipv6Prefix < 1 || ipv6Prefix > 128) {
            throw new IllegalArgumentException("--ipv6-prefix must be 1 to 128");
        }
        requirePositive("block-window", blockWindow);
        requirePositive("block-duration", blockDuration);
        requirePositive("ip-ban-duration", ipBanDuration);
    }

    /** Everything off: for tests of other features, and for benchmarks. */
    public static AbuseConfig off() {
        return new AbuseConfig(RateSpec.OFF, 0, Duration.ofSeconds(60), Duration.ofHours(1), RateSpec.OFF, 0,
                RateSpec.OFF, Duration.ofMinutes(15), List.of(), RateSpec.OFF, RateSpec.OFF, 0, 0, 32, 64);
    }

    /** What {@code auto} stands for: a share of {@code maxConnections}, at least 1; no cap when that is off. */
    public static int autoPendingConnections(int maxConnections) {
        return maxConnections == 0 ? 0 : Math.max(1, maxConnections / AUTO_PENDING_DIVISOR);
    }
}
