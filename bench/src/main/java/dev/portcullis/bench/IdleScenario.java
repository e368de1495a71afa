package dev.portcullis.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code idle}: {@code --idle} connections set up (Portcullis: authenticated; baseline: one echo each)
 * and then left alone for {@code --idle-hold-seconds}. What each costs the server at rest: live heap after
 * a full GC ({@code jcmd GC.run} then {@code GC.heap_info}) and RSS, both measured before and after and
 * divided by the number of connections. Target: at most 1.3 times the baseline per connection.
 */
final class IdleScenario extends Scenario {
    record Result(int held, int failed, String failure, long heapPerConnection, long rssPerConnection,
                  long heapBefore, long heapAfter, long rssBefore, long rssAfter, Usage usage, int pings,
                  List<String> notes) implements Measured {
    }

    @Override
    Report run(Bench bench) {
        Options o = bench.options();
        Map<String, Result> r = bench.both("idle", side -> measure(bench, side));
        Result p = r.get("portcullis");
        Result b = r.get("baseline");
        Report report = new Report("idle", o.idle + " idle connections (Portcullis: authenticated), held "
                + o.idleHoldSeconds + " s; heap after full GC and RSS, per connection")
                .param("connections", o.idle).param("hold_seconds", o.idleHoldSeconds).param("window", o.openWindow);
        report.row("heap_bytes_per_connection", "live heap per connection", Report.Unit.BYTES, p.heapPerConnection(), b.heapPerConnection())
                .row("rss_bytes_per_connection", "RSS per connection", Report.Unit.BYTES, p.rssPerConnection(), b.rssPerConnection())
                .row("heap_before_bytes", "live heap before", Report.Unit.BYTES, p.heapBefore(), b.heapBefore())
                .row("heap_after_bytes", "live heap with the connections", Report.Unit.BYTES, p.heapAfter(), b.heapAfter())
                .row("rss_before_bytes", "RSS before", Report.Unit.BYTES, p.rssBefore(), b.rssBefore())
                .row("rss_after_bytes", "RSS with the connections", Report.Unit.BYTES, p.rssAfter(), b.rssAfter())
                .row("cpu_us_per_connection", "server CPU per connection (set-up + hold)", Report.Unit.MICROS,
                        micros(p.usage().cpuNanos) / o.idle, micros(b.usage().cpuNanos) / o.idle)
                .row("held", "connections still open at the end", Report.Unit.COUNT, p.held(), b.held())
                .row("late_pings", "set-ups pinged after 200 ms without answer", Report.Unit.COUNT, p.pings(), b.pings());
        contention(report, p.usage(), b.usage());
        double heapRatio = (double) p.heapPerConnection() / b.heapPerConnection();
        double rssRatio = (double) p.rssPerConnection() / b.rssPerConnection();
        report.target("heap per connection ratio <= 1.3", heapRatio, heapRatio <= 1.3);
        report.target("RSS per connection ratio <= 1.3", rssRatio, rssRatio <= 1.3);
        for (var e : r.entrySet()) {
            Result x = e.getValue();
            if (x.failed() > 0 || x.held() < o.idle) {
                report.error(e.getKey() + ": " + x.held() + " of " + o.idle + " held, " + x.failed() + " failed"
                        + (x.failure() == null ? "" : ", first: " + x.failure()));
            }
            x.notes().forEach(report::note);
        }
        return report;
    }

    /** The classes whose live bytes grew most, per connection. */
    static String growth(Map<String, long[]> before, Map<String, long[]> after, int connections) {
        return after.entrySet().stream()
                .map(e -> {
                    long[] b = before.getOrDefault(e.getKey(), new long[2]);
                    return Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
                })
                .filter(e -> e.getValue()[1] > 0)
                .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                .limit(15)
                .map(e -> String.format(java.util.Locale.ROOT, "%s %.0f B (%.1f objects)", e.getKey(),
                        (double) e.getValue()[1] / connections, (double) e.getValue()[0] / connections))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static Result measure(Bench bench, Side side) {
        Options o = bench.options();
        ServerProcess server = side.server();
        Bench.pause(o.settleMillis);
        Map<String, long[]> classesBefore = o.profile ? server.classHistogram() : Map.of();
        long heapBefore = server.heapAfterGc();
        long rssBefore = server.rssBytes();
        List<String> notes = new ArrayList<>();
        try (Loop loop = new Loop("load")) {
            Usage usage = Usage.start(bench, side, "idle");
            Opener opener = new Opener(loop, side, "/", o.idle, o.openWindow, true, null, null).start()
                    .await(openTimeout(o.idle));
            Bench.pause((long) (o.idleHoldSeconds * 1000));
            usage.stop(notes);
            long heapAfter = server.heapAfterGc();
            long rssAfter = server.rssBytes();
            if (o.profile) {
                notes.add(side.name() + " live heap per connection by class: "
                        + growth(classesBefore, server.classHistogram(), o.idle));
            }
            loop.check();
            int held = opener.ready() - opener.closedAfterReady();
            return new Result(held, opener.failed(), opener.firstFailure(), (heapAfter - heapBefore) / o.idle,
                    (rssAfter - rssBefore) / o.idle, heapBefore, heapAfter, rssBefore, rssAfter, usage, opener.pings(), notes);
        }
    }
}
