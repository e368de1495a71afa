package dev.portcullis.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code connect}: connections per second that finish TCP, the upgrade and the first exchange (Portcullis:
 * auth answered by auth_ok; baseline: one echo of a message of the same size), with
 * {@code --connect-window} of them in progress at a time. They stay open until the end, as a burst of
 * clients arriving would. Target: ratio at least 0.8.
 */
final class ConnectScenario extends Scenario {
    record Result(int ready, int failed, String failure, double perSecond, Histogram setup, Usage usage, int pings,
                  List<String> notes) implements Measured {
    }

    @Override
    Report run(Bench bench) {
        Options o = bench.options();
        Map<String, Result> r = bench.both("connect", side -> measure(bench, side));
        Result p = r.get("portcullis");
        Result b = r.get("baseline");
        Report report = new Report("connect", "connections set up per second: TCP + upgrade + auth/auth_ok (baseline: "
                + "upgrade + one echo), " + o.connectWindow + " in progress at a time")
                .param("connections", o.connections).param("warmup", o.connectWarmup).param("window", o.connectWindow);
        report.row("connections_per_s", "connections per second", Report.Unit.PER_SECOND, p.perSecond(), b.perSecond())
                .row("setup_p50_us", "set-up time p50", Report.Unit.MICROS, micros(p.setup().percentile(50)), micros(b.setup().percentile(50)))
                .row("setup_p99_us", "set-up time p99", Report.Unit.MICROS, micros(p.setup().percentile(99)), micros(b.setup().percentile(99)))
                .row("cpu_us_per_connection", "server CPU per connection", Report.Unit.MICROS,
                        micros(p.usage().cpuNanos) / o.connections, micros(b.usage().cpuNanos) / o.connections)
                .row("server_cores", "server CPU (cores busy)", Report.Unit.FACTOR, p.usage().cores(), b.usage().cores())
                .row("rss_bytes", "server RSS at the end", Report.Unit.BYTES, p.usage().rssBytes, b.usage().rssBytes)
                .row("late_pings", "set-ups pinged after 200 ms without answer", Report.Unit.COUNT, p.pings(), b.pings());
        contention(report, p.usage(), b.usage());
        double ratio = p.perSecond() / b.perSecond();
        report.target("connections/s ratio >= 0.8", ratio, ratio >= 0.8);
        for (var e : r.entrySet()) {
            if (e.getValue().failed() > 0) {
                report.error(e.getKey() + ": " + e.getValue().failed() + " connections failed, first: " + e.getValue().failure());
            }
            e.getValue().notes().forEach(report::note);
        }
        return report;
    }

    private static Result measure(Bench bench, Side side) {
        Options o = bench.options();
        if (o.connectWarmup > 0) {
            try (Loop warm = new Loop("warmup")) {
                new Opener(warm, side, "/", o.connectWarmup, o.connectWindow, true, null, null).start()
                        .await(openTimeout(o.connectWarmup));
            }
            Bench.pause(2 * o.settleMillis); // the server handles the warm-up closes before the clock starts
        }
        List<String> notes = new ArrayList<>();
        try (Loop loop = new Loop("load")) {
            Usage usage = Usage.start(bench, side, "connect");
            Opener opener = new Opener(loop, side, "/", o.connections, o.connectWindow, true, null, null).start()
                    .await(openTimeout(o.connections));
            usage.stop(notes);
            return new Result(opener.ready(), opener.failed(), opener.firstFailure(),
                    perSecond(opener.ready(), opener.elapsedNanos()), opener.setupNanos(), usage, opener.pings(), notes);
        }
    }
}
