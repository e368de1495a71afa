package dev.portcullis.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays of protocol.md §6: exponential with full jitter. After the n-th consecutive failed
 * attempt (n = 0, 1, 2, ...) the client waits a random time in {@code [0, min(cap, base × 2^n))}; at the
 * defaults the ceilings are 1, 2, 4, 8, 16, 30, 30 s... A close with 1001 {@code Server shutting down}
 * is retried at once, spread over a random {@code [0, shutdownSpread)} so that a restarted server is not
 * hit by every client in the same millisecond. Tests inject milliseconds.
 *
 * @param base           the first ceiling
 * @param cap            the largest ceiling
 * @param shutdownSpread the spread of the immediate reconnect after 1001
 */
public record Backoff(Duration base, Duration cap, Duration shutdownSpread) {
    /** protocol.md §6: 1 s doubling up to 30 s; 1001 spread over 1 s. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(1));

    public Backoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        Objects.requireNonNull(shutdownSpread, "shutdownSpread");
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0 || shutdownSpread.isNegative()) {
            throw new IllegalArgumentException("need 0 < base <= cap and shutdownSpread >= 0");
        }
    }

    /** The ceiling after the n-th consecutive failure: {@code min(cap, base × 2^n)}. */
    public Duration ceiling(int failures) {
        if (failures < 0) {
            throw new IllegalArgumentException("failures must be >= 0");
        }
        // Past 2^30 every sensible base is beyond any sensible cap; stop doubling before overflow.
        if (failures >= 30) {
            return cap;
        }
        long millis = base.toMillis();
        return millis > cap.toMillis() >> failures ? cap : Duration.ofMillis(millis << failures);
    }

    /** A delay drawn uniformly from {@code [0, ceiling(failures))}. */
    public Duration delay(int failures, RandomGenerator random) {
        return scale(ceiling(failures), random);
    }

    /** The delay of the immediate reconnect after 1001, drawn from {@code [0, shutdownSpread)}. */
    public Duration shutdownDelay(RandomGenerator random) {
        return scale(shutdownSpread, random);
    }

    private static Duration scale(Duration d, RandomGenerator random) {
        return Duration.ofMillis((long) (d.toMillis() * random.nextDouble()));
    }
}
