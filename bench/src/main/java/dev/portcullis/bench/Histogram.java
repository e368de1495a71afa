package dev.portcullis.bench;

/**
 * Latencies in nanoseconds, kept in log-linear buckets: exact below 128 ns, then 64 buckets per power of
 * two, so any percentile is within 1.6% of the recorded value whatever the range. Fixed size (about 30
 * KiB), so recording never allocates. Not thread-safe: one writer, read after it is done.
 */
final class Histogram {
    private static final int LINEAR = 128;
    private static final int PER_OCTAVE = 64;
    private static final int BUCKETS = LINEAR + (63 - 7) * PER_OCTAVE;

    private final long[] counts = new long[BUCKETS];
    private long count;
    private long sum;
    private long min = Long.MAX_VALUE;
    private long max;

    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        count++;
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
    }

    /** Adds every sample of {@code other}. */
    void add(Histogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        count += other.count;
        sum += other.sum;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    long count() {
        return count;
    }

    long max() {
        return count == 0 ? 0 : max;
    }

    long min() {
        return count == 0 ? 0 : min;
    }

    double mean() {
        return count == 0 ? 0 : (double) sum / count;
    }

    /** The value below which {@code percent}% of the samples lie (nearest rank); 0 when empty. */
    long percentile(double percent) {
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(percent / 100.0 * count));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, Math.max(min, middle(i)));
            }
        }
        return max;
    }

    private static int index(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        int msb = 63 - Long.numberOfLeadingZeros(v);
        int shift = msb - 6;
        int mantissa = (int) (v >>> shift); // 64..127
        return LINEAR + (msb - 7) * PER_OCTAVE + (mantissa - PER_OCTAVE);
    }

    private static long middle(int index) {
        if (index < LINEAR) {
            return index;
        }
        int octave = (index - LINEAR) / PER_OCTAVE;
        int mantissa = (index - LINEAR) % PER_OCTAVE + PER_OCTAVE;
        int shift = octave + 1;
        long low = (long) mantissa << shift;
        return low + (1L << shift) / 2;
    }
}
