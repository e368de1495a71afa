package dev.portcullis.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code rtt}: one client, one message at a time, each sent as soon as the last came back: Portcullis
 * relays it to a room where the client is alone, the baseline echoes it. No target; the ratio shows what
 * the gate, the JSON codec and the room cost per message.
 */
final class RttScenario extends Scenario {
    record Result(Histogram rtt, Usage usage, long pings, List<String> notes) implements Measured {
    }

    @Override
    Report run(Bench bench) {
        Options o = bench.options();
        Map<String, Result> r = bench.both("rtt", side -> measure(bench, side));
        Result p = r.get("portcullis");
        Result b = r.get("baseline");
        Report report = new Report("rtt", "round trip of one message, back to back: Portcullis room of one vs baseline echo")
                .param("samples", o.rttSamples).param("warmup", o.rttWarmup);
        report.row("p50_us", "round trip p50", Report.Unit.MICROS, micros(p.rtt().percentile(50)), micros(b.rtt().percentile(50)))
                .row("p99_us", "round trip p99", Report.Unit.MICROS, micros(p.rtt().percentile(99)), micros(b.rtt().percentile(99)))
                .row("p999_us", "round trip p99.9", Report.Unit.MICROS, micros(p.rtt().percentile(99.9)), micros(b.rtt().percentile(99.9)))
                .row("max_us", "round trip max", Report.Unit.MICROS, micros(p.rtt().max()), micros(b.rtt().max()))
                .row("round_trips_per_s", "round trips per second", Report.Unit.PER_SECOND,
                        p.rtt().count() / (p.usage().wallNanos / 1e9), b.rtt().count() / (b.usage().wallNanos / 1e9))
                .row("cpu_us_per_round_trip", "server CPU per round trip", Report.Unit.MICROS,
                        micros(p.usage().cpuNanos) / p.rtt().count(), micros(b.usage().cpuNanos) / b.rtt().count())
                .row("late_pings", "answers pinged after 50 ms", Report.Unit.COUNT, p.pings(), b.pings());
        contention(report, p.usage(), b.usage());
        r.values().forEach(x -> x.notes().forEach(report::note));
        return report;
    }

    private static Result measure(Bench bench, Side side) {
        Options o = bench.options();
        Duration timeout = Duration.ofSeconds(60 + (o.rttSamples + o.rttWarmup) / 500);
        try (RoundTrips probe = RoundTrips.open(o, side, 0)) {
            probe.collect(o.rttWarmup, timeout);
            List<String> notes = new ArrayList<>();
            Usage usage = Usage.start(bench, side, "rtt");
            probe.phase(); // round trips made while the usage counters started are not counted
            long pings = probe.pings();
            Histogram rtt = probe.collect(o.rttSamples, timeout);
            usage.stop(notes);
            return new Result(rtt, usage, probe.pings() - pings, notes);
        }
    }
}
