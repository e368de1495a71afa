package dev.portcullis.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Latency histogram of the benchmark harness")
class HistogramTest {
    @Test
    @DisplayName("percentiles are within 1.6% of the recorded values, from nanoseconds to minutes")
    void percentilesAreClose() {
        Histogram h = new Histogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v * 1_000); // 1 µs .. 100 ms
        }
        for (double p : new double[] {1, 50, 90, 99, 99.9}) {
            double expected = p / 100 * 100_000 * 1_000;
            double actual = h.percentile(p);
            assertTrue(Math.abs(actual - expected) / expected < 0.016, p + "th: " + actual + " vs " + expected);
        }
        assertEquals(1_000, h.min());
        assertEquals(100_000_000, h.max());
        assertEquals(100_000, h.count());
    }

    @Test
    @DisplayName("small values are exact and an empty histogram reads zero")
    void smallAndEmpty() {
        Histogram h = new Histogram();
        assertEquals(0, h.percentile(99));
        h.record(7);
        h.record(100);
        assertEquals(7, h.percentile(50));
        assertEquals(100, h.percentile(100));
    }
}
