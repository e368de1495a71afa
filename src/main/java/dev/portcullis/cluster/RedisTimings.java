package dev.portcullis.cluster;

import java.time.Duration;

/** Periods and limits of the Redis connection's upkeep; tests shorten them. */
record RedisTimings(Duration heartbeat, Duration livenessTtl, Duration sweepEvery, Duration pruneEvery,
                    Duration backoffCap, int connectTimeoutMillis, int socketTimeoutMillis) {
    static final RedisTimings DEFAULT = new RedisTimings(Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofSeconds(2), 1000, 2000);
}
