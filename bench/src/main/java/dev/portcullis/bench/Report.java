package dev.portcullis.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One scenario's outcome: each figure for Portcullis and the baseline side by side with their ratio
 * (always Portcullis / baseline), the speed targets met or missed, and anything that went wrong with
 * the measurement itself. Printed as one JSON line, a table for people and a Markdown table.
 */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a figure is shown; JSON always carries the plain number in the unit its key names. */
    enum Unit {
        COUNT(""), PER_SECOND("/s"), MICROS("µs"), MILLIS("ms"), BYTES("B"), FACTOR("×");

        final String suffix;

        Unit(String suffix) {
            this.suffix = suffix;
        }
    }

    record Row(String key, String label, Unit unit, Double portcullis, Double baseline) {
        Double ratio() {
            return portcullis == null || baseline == null || baseline == 0 ? null : portcullis / baseline;
        }
    }

    record Target(String text, String value, boolean met) {
    }

    private final String scenario;
    private final String title;
    private final Map<String, Object> params = new LinkedHashMap<>();
    private final Map<String, Object> context = new LinkedHashMap<>();
    private final List<Row> rows = new ArrayList<>();
    private final List<Target> targets = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();

    Report(String scenario, String title) {
        this.scenario = scenario;
        this.title = title;
    }

    Report param(String key, Object value) {
        params.put(key, value);
        return this;
    }

    /** Run-wide facts printed with the figures: JVM flags, Portcullis overrides. */
    Report context(String key, Object value) {
        context.put(key, value);
        return this;
    }

    Report row(String key, String label, Unit unit, Number portcullis, Number baseline) {
        rows.add(new Row(key, label, unit, portcullis == null ? null : portcullis.doubleValue(),
                baseline == null ? null : baseline.doubleValue()));
        return this;
    }

    Report target(String text, double value, boolean met) {
        targets.add(new Target(text, round(value), met));
        return this;
    }

    Report note(String text) {
        notes.add(text);
        return this;
    }

    /** Something that makes the figures untrustworthy: lost connections, a stalled run. */
    Report error(String text) {
        errors.add(text);
        return this;
    }

    String scenario() {
        return scenario;
    }

    List<String> errors() {
        return errors;
    }

    List<Target> targets() {
        return targets;
    }

    Row row(String key) {
        return rows.stream().filter(r -> r.key().equals(key)).findFirst().orElse(null);
    }

    String jsonLine() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("scenario", scenario);
        o.put("params", params);
        o.putAll(context);
        Map<String, Object> p = new LinkedHashMap<>();
        Map<String, Object> b = new LinkedHashMap<>();
        Map<String, Object> r = new LinkedHashMap<>();
        for (Row row : rows) {
            p.put(row.key(), number(row.portcullis()));
            if (row.baseline() != null) {
                b.put(row.key(), number(row.baseline()));
            }
            if (row.ratio() != null) {
                r.put(row.key(), number(row.ratio()));
            }
        }
        o.put("portcullis", p);
        o.put("baseline", b);
        o.put("ratio", r);
        List<Map<String, Object>> t = new ArrayList<>();
        for (Target target : targets) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", target.text());
            m.put("value", target.value());
            m.put("met", target.met());
            t.add(m);
        }
        o.put("targets", t);
        o.put("notes", notes);
        o.put("errors", errors);
        o.put("ok", errors.isEmpty());
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    String table() {
        StringBuilder s = new StringBuilder();
        s.append("== ").append(scenario).append(": ").append(title).append(" ==\n");
        s.append(String.format(Locale.ROOT, "%-40s %16s %16s %8s%n", "figure", "portcullis", "baseline", "ratio"));
        for (Row row : rows) {
            s.append(String.format(Locale.ROOT, "%-40s %16s %16s %8s%n", row.label(), format(row.portcullis(), row.unit()),
                    format(row.baseline(), row.unit()), row.ratio() == null ? "-" : round(row.ratio())));
        }
        for (Target t : targets) {
            s.append(t.met() ? "  [met]    " : "  [MISSED] ").append(t.text()).append(": ").append(t.value()).append('\n');
        }
        for (String n : notes) {
            s.append("  note: ").append(n).append('\n');
        }
        for (String e : errors) {
            s.append("  ERROR: ").append(e).append('\n');
        }
        context.forEach((k, v) -> s.append("  ").append(k).append(": ").append(v).append('\n'));
        return s.toString();
    }

    String markdown() {
        StringBuilder s = new StringBuilder();
        s.append("### ").append(scenario).append("\n\n").append(title).append(".\n\n");
        s.append("| figure | Portcullis | baseline | ratio |\n| --- | ---: | ---: | ---: |\n");
        for (Row row : rows) {
            s.append("| ").append(row.label()).append(" | ").append(format(row.portcullis(), row.unit())).append(" | ")
                    .append(format(row.baseline(), row.unit())).append(" | ")
                    .append(row.ratio() == null ? "-" : round(row.ratio())).append(" |\n");
        }
        s.append('\n');
        for (Target t : targets) {
            s.append("- ").append(t.met() ? "**met**: " : "**missed**: ").append(t.text()).append(": ").append(t.value()).append('\n');
        }
        for (String n : notes) {
            s.append("- note: ").append(n).append('\n');
        }
        for (String e : errors) {
            s.append("- ERROR: ").append(e).append('\n');
        }
        return s.append('\n').toString();
    }

    static String format(Double v, Unit unit) {
        if (v == null) {
            return "-";
        }
        return switch (unit) {
            case BYTES -> Math.abs(v) >= 10 << 20 ? String.format(Locale.ROOT, "%.1f MiB", v / (1 << 20))
                    : Math.abs(v) >= 10 << 10 ? String.format(Locale.ROOT, "%.1f KiB", v / 1024)
                    : String.format(Locale.ROOT, "%,.0f B", v);
            case COUNT -> String.format(Locale.ROOT, "%,.0f", v);
            case FACTOR -> round(v) + "×";
            default -> (Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : round(v)) + " " + unit.suffix;
        };
    }

    /** Three significant digits, as text. */
    static String round(double v) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return v == 0 ? "0" : String.valueOf(v);
        }
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static Object number(Double v) {
        if (v == null) {
            return null;
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return v.longValue();
        }
        return Double.valueOf(round(v));
    }
}
