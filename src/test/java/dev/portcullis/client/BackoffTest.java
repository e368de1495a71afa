package dev.portcullis.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BackoffTest {
    /** nextDouble() just below 1, and exactly 0. */
    private static final RandomGenerator HIGHEST = () -> -1L;
    private static final RandomGenerator LOWEST = () -> 0L;

    @Test
    @DisplayName("§6: ceilings of 1, 2, 4, 8, 16, 30, 30 s; full jitter draws from [0, ceiling)")
    void defaultCeilings() {
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L),
                IntStream.range(0, 8).mapToObj(n -> Backoff.DEFAULT.ceiling(n).toSeconds()).toList());
        assertEquals(Duration.ofSeconds(30), Backoff.DEFAULT.ceiling(1000), "no overflow however long the outage");
        for (int n = 0; n < 8; n++) {
            Duration ceiling = Backoff.DEFAULT.ceiling(n);
            assertEquals(Duration.ZERO, Backoff.DEFAULT.delay(n, LOWEST));
            assertEquals(ceiling.minusMillis(1), Backoff.DEFAULT.delay(n, HIGHEST), "strictly below the ceiling");
        }
        RandomGenerator random = new SplittableRandom(1);
        for (int i = 0; i < 1000; i++) {
            Duration d = Backoff.DEFAULT.delay(3, random);
            assertTrue(!d.isNegative() && d.compareTo(Duration.ofSeconds(8)) < 0, d.toString());
        }
    }

    @Test
    @DisplayName("§6: a 1001 is retried within the shutdown spread (default 1 s)")
    void shutdownSpread() {
        assertEquals(Duration.ofMillis(999), Backoff.DEFAULT.shutdownDelay(HIGHEST));
        assertEquals(Duration.ZERO, Backoff.DEFAULT.shutdownDelay(LOWEST));
    }

    @Test
    @DisplayName("Backoff settings are checked: 0 < base <= cap")
    void checked() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> Backoff.DEFAULT.ceiling(-1));
        Backoff fast = new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(10));
        assertEquals(List.of(10L, 20L, 40L, 80L, 100L), IntStream.range(0, 5).mapToObj(n -> fast.ceiling(n).toMillis()).toList());
    }
}
