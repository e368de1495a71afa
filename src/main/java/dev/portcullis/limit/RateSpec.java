package dev.portcullis.limit;

import java.time.Duration;
import java.util.Locale;

/**
 * A rate limit as written in the configuration: {@code bucket:CAPACITY:PER_SECOND} (token bucket),
 * {@code window:COUNT:SECONDS} (sliding window) or {@code off}.
 */
public record RateSpec(Kind kind, int count, double perSecond, Duration window) {
    /** Which algorithm, or none. */
    public enum Kind { BUCKET, WINDOW, OFF }

    public static final RateSpec OFF = new RateSpec(Kind.OFF, 0, 0, Duration.ZERO);

    public static RateSpec parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("off")) {
            return OFF;
        }
        String[] parts = t.split(":");
        try {
            if (parts.length == 3 && parts[0].equals("bucket")) {
                int capacity = Integer.parseInt(parts[1]);
                double rate = Double.parseDouble(parts[2]);
                if (capacity >= 1 && rate > 0 && Double.isFinite(rate)) {
                    return new RateSpec(Kind.BUCKET, capacity, rate, Duration.ZERO);
                }
            } else if (parts.length == 3 && parts[0].equals("window")) {
                int count = Integer.parseInt(parts[1]);
                long seconds = Long.parseLong(parts[2]);
                if (count >= 1 && seconds >= 1) {
                    return new RateSpec(Kind.WINDOW, count, 0, Duration.ofSeconds(seconds));
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a rate limit: '" + text
                + "' (try bucket:CAPACITY:PER_SECOND, window:COUNT:SECONDS or off)");
    }

    /** {@code COUNT:SECONDS} (a sliding window of events) or {@code off}, as the violation thresholds are written. */
    public static RateSpec parseCount(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("off")) {
            return OFF;
        }
        try {
            return parse("window:" + t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not COUNT:SECONDS or off: '" + text + "'");
        }
    }

    public boolean isOff() {
        return kind == Kind.OFF;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case OFF -> "off";
            case BUCKET -> "bucket:" + count + ":" + (perSecond == Math.rint(perSecond) ? String.valueOf((long) perSecond) : String.valueOf(perSecond));
            case WINDOW -> "window:" + count + ":" + window.toSeconds();
        };
    }
}
