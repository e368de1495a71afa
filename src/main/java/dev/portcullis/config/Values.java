package dev.portcullis.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the value types options use: durations such as {@code 5s} and sizes such as {@code 64KiB}. */
public final class Values {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)(B|KiB|MiB|GiB)?");

    private Values() {
    }

    /** The forms an option's duration may take, for messages: a bare number has no unit to go by. */
    public static final String DURATION_FORMS = "250ms, 5s, 10m, 1h, 2d or ISO-8601 PT5S";

    /**
     * An option's duration: {@code 250ms}, {@code 5s}, {@code 10m}, {@code 1h}, {@code 2d} or ISO-8601
     * {@code PT5S}. A bare number is refused: {@code --token-ttl 5} read as seconds would surprise anyone
     * who meant minutes or hours.
     */
    public static Duration duration(String text) {
        if (text.strip().matches("\\d+")) {
            throw new IllegalArgumentException("'" + text + "' has no unit; write it as " + DURATION_FORMS);
        }
        return durationOrSeconds(text);
    }

    /**
     * A duration as the admin API takes it (protocol.md §12.3): any form of {@link #duration}, or a bare number
     * of seconds, which a JSON number in a request body turns into.
     */
    public static Duration durationOrSeconds(String text) {
        String s = text.strip();
        if (s.startsWith("P") || s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not a duration: '" + text + "' (try " + DURATION_FORMS + ")");
            }
        }
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (try " + DURATION_FORMS + ")");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        try {
            long n = Long.parseLong(m.group(1));
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("duration too large: '" + text + "'");
        }
    }

    /** A byte count below 2 GiB: {@code 65536}, {@code 64KiB} or {@code 1MiB}. */
    public static int size(String text) {
        try {
            return Math.toIntExact(longSize(text));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
    }

    /** A byte count of any size: {@code 65536}, {@code 64KiB}, {@code 1MiB} or {@code 4GiB}. */
    public static long longSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + text + "' (try 65536, 64KiB or 1MiB)");
        }
        String unit = m.group(2) == null ? "B" : m.group(2);
        long multiplier = switch (unit) {
            case "KiB" -> 1024;
            case "MiB" -> 1024 * 1024;
            case "GiB" -> 1024 * 1024 * 1024;
            default -> 1;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
    }

    /** A memory budget: a size, or {@code auto} for {@link #autoMemoryBudget()}. */
    public static long memoryBudget(String text) {
        return text.strip().equalsIgnoreCase("auto") ? autoMemoryBudget() : longSize(text);
    }

    /**
     * What {@code auto} stands for in this JVM: two fifths of the largest heap it may grow to, which leaves the
     * rest to the connections' own objects, the rooms and the garbage collector's headroom.
     */
    public static long autoMemoryBudget() {
        return Runtime.getRuntime().maxMemory() / 5 * 2;
    }

    /** A comma-separated list; blanks around items and empty items are dropped. */
    public static List<String> list(String text) {
        return Arrays.stream(text.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
    }

    public static boolean bool(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("not true or false: '" + text + "'");
        };
    }

    /** A whole number of at least 1, or {@code off} (returned as 0). */
    public static int countOrOff(String text) {
        if (text.strip().equalsIgnoreCase("off")) {
            return 0;
        }
        int n = integer(text);
        if (n < 1) {
            throw new IllegalArgumentException("must be at least 1, or off");
        }
        return n;
    }

    /** A thread count, or {@code auto}: one less than the processors this JVM may use, at least 1. */
    public static int threads(String text) {
        if (text.strip().equalsIgnoreCase("auto")) {
            return autoThreads();
        }
        return integer(text);
    }

    /** What {@code auto} stands for on this machine. */
    public static int autoThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    public static int integer(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number: '" + text + "'");
        }
    }

    /** Renders a duration the way the options are written, for messages and {@code --help}. */
    public static String format(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0 && s > 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
