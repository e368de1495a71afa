package dev.portcullis.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code slowloris}: {@code --slowloris} connections finish the upgrade and then say nothing. Portcullis
 * must close each with 1008 "Auth timeout" between its auth deadline and 500 ms after it; meanwhile an
 * authenticated probe's round-trip p99 must stay within twice its p99 before the storm. The baseline has no
 * deadline: it holds the same connections for as long, with the same probe.
 *
 * <p>The server starts a deadline between the client's upgrade request and its 101, so a close is early
 * only if it came sooner than the deadline after the request, and late only if it came later than the
 * deadline + 500 ms after the 101: neither side of the clock error counts against the server.
 */
final class SlowlorisScenario extends Scenario {
    private static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How long past the last expected close the run waits for stragglers. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final String AUTH_TIMEOUT = "Auth timeout";

    record Result(int opened, int failed, String failure, double openPerSecond, long inWindow, long early, long late,
                  long neverClosed, long wrongClose, String wrongExample, Histogram closeAfterDeadline,
                  Histogram quiet, Histogram storm, Usage usage, long rssPeak, long pings, List<String> notes) implements Measured {
    }

    @Override
    Report run(Bench bench) {
        Options o = bench.options();
        long deadlineMillis = bench.portcullisMillis("auth-timeout", 5000);
        Map<String, Result> r = bench.both("slowloris", side -> measure(bench, side, deadlineMillis));
        Result p = r.get("portcullis");
        Result b = r.get("baseline");
        Report report = new Report("slowloris", o.slowloris + " connections that upgrade and never authenticate; "
                + "Portcullis closes each at its " + deadlineMillis + " ms auth deadline; a probe measures round trips")
                .param("connections", o.slowloris).param("window", o.openWindow).param("auth_timeout_ms", deadlineMillis)
                .param("probe_interval_ms", o.probeIntervalMillis).param("quiet_seconds", o.quietSeconds);
        report.row("closed_in_window", "closed within deadline..+500 ms", Report.Unit.COUNT, p.inWindow(), null)
                .row("closed_early", "closed before the deadline", Report.Unit.COUNT, p.early(), null)
                .row("closed_late", "closed after deadline + 500 ms", Report.Unit.COUNT, p.late(), null)
                .row("never_closed", "not closed at all", Report.Unit.COUNT, p.neverClosed(), null)
                .row("wrong_close", "closed otherwise than 1008 Auth timeout", Report.Unit.COUNT, p.wrongClose(), null)
                .row("close_after_deadline_p50_ms", "close after deadline p50 (from 101)", Report.Unit.MILLIS,
                        millis(p.closeAfterDeadline().percentile(50)), null)
                .row("close_after_deadline_p99_ms", "close after deadline p99 (from 101)", Report.Unit.MILLIS,
                        millis(p.closeAfterDeadline().percentile(99)), null)
                .row("close_after_deadline_max_ms", "close after deadline max (from 101)", Report.Unit.MILLIS,
                        millis(p.closeAfterDeadline().max()), null)
                .row("open_per_s", "upgrades per second", Report.Unit.PER_SECOND, p.openPerSecond(), b.openPerSecond())
                .row("probe_quiet_p99_us", "probe round trip p99, quiet", Report.Unit.MICROS,
                        micros(p.quiet().percentile(99)), micros(b.quiet().percentile(99)))
                .row("probe_storm_p99_us", "probe round trip p99, storm", Report.Unit.MICROS,
                        micros(p.storm().percentile(99)), micros(b.storm().percentile(99)))
                .row("probe_storm_over_quiet", "probe p99 storm / quiet", Report.Unit.FACTOR,
                        slowdown(p), slowdown(b))
                .row("cpu_us_per_connection", "server CPU per connection", Report.Unit.MICROS,
                        micros(p.usage().cpuNanos) / o.slowloris, micros(b.usage().cpuNanos) / o.slowloris)
                .row("rss_peak_bytes", "server RSS peak", Report.Unit.BYTES, p.rssPeak(), b.rssPeak())
                .row("late_pings", "probe answers pinged after 50 ms", Report.Unit.COUNT, p.pings(), b.pings());
        contention(report, p.usage(), b.usage());
        report.target("every connection closed within deadline..deadline+500 ms", p.inWindow(), p.inWindow() == o.slowloris);
        report.target("probe p99 during the storm <= 2x quiet p99", slowdown(p), slowdown(p) <= 2);
        if (p.wrongExample() != null) {
            report.note("portcullis: a close other than 1008 Auth timeout: " + p.wrongExample());
        }
        for (var e : r.entrySet()) {
            if (e.getValue().failed() > 0) {
                report.error(e.getKey() + ": " + e.getValue().failed() + " connections failed to upgrade, first: "
                        + e.getValue().failure());
            }
            e.getValue().notes().forEach(report::note);
        }
        return report;
    }

    private static double slowdown(Result x) {
        return (double) x.storm().percentile(99) / Math.max(1, x.quiet().percentile(99));
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static Result measure(Bench bench, Side side, long deadlineMillis) {
        Options o = bench.options();
        int n = o.slowloris;
        long deadline = TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
        boolean gated = side instanceof Side.Gated;
        long[] closedAt = new long[n];
        String[] closeText = new String[n];
        int[] closedCount = new int[1];
        List<String> notes = new ArrayList<>();
        try (RoundTrips probe = RoundTrips.open(o, side, (long) (o.probeIntervalMillis * 1e6)); Loop loop = new Loop("load")) {
            probe.collectFor(Duration.ofMillis((long) Math.min(1000, o.quietSeconds * 1000))); // warm-up
            Histogram quiet = probe.collectFor(Duration.ofMillis((long) (o.quietSeconds * 1000)));
            Usage usage = Usage.start(bench, side, "slowloris");
            Opener opener = new Opener(loop, side, "/", n, o.openWindow, false, null, i -> new WsHandler() {
                @Override
                public void onClose(WsClient c, int code, String reason, long nanos) {
                    closedAt[i] = nanos;
                    closeText[i] = code + " " + reason;
                    closedCount[0]++;
                }
            }).start();
            long rssPeak = 0;
            long giveUp = System.nanoTime() + openTimeout(n).toNanos();
            while (!opener.settled() && System.nanoTime() - giveUp < 0) {
                rssPeak = Math.max(rssPeak, side.server().rssBytes());
                probe.check();
                Bench.pause(100);
            }
            opener.await(Duration.ofSeconds(1));
            // Every deadline has passed by then (and, for Portcullis, a grace for stragglers).
            long end = System.nanoTime() + deadline + WINDOW_NANOS + (gated ? GRACE_NANOS : 0);
            while (System.nanoTime() - end < 0 && !(gated && loop.call(() -> closedCount[0]) >= opener.ready())) {
                rssPeak = Math.max(rssPeak, side.server().rssBytes());
                probe.check();
                Bench.pause(100);
            }
            Histogram storm = probe.phase();
            usage.stop(notes);
            long[] counts = new long[5]; // in window, early, late, never, wrong
            String[] wrong = new String[1];
            Histogram after = new Histogram();
            loop.call(() -> {
                for (int i = 0; i < n; i++) {
                    WsClient c = opener.clients().get(i);
                    long opened = opener.openNanos(i);
                    if (opened == 0) {
                        continue; // never upgraded: counted as failed
                    }
                    if (closedAt[i] == 0) {
                        counts[3]++;
                        continue;
                    }
                    if (!closeText[i].equals("1008 " + AUTH_TIMEOUT)) {
                        counts[4]++;
                        wrong[0] = closeText[i];
                    }
                    after.record(closedAt[i] - opened - deadline);
                    if (closedAt[i] - c.requestNanos() < deadline) {
                        counts[1]++;
                    } else if (closedAt[i] - opened > deadline + WINDOW_NANOS) {
                        counts[2]++;
                    } else {
                        counts[0]++;
                    }
                }
                return null;
            });
            return new Result(opener.ready(), opener.failed(), opener.firstFailure(),
                    perSecond(opener.ready(), opener.elapsedNanos()), counts[0], counts[1], counts[2], counts[3], counts[4],
                    wrong[0], after, quiet, storm, usage, rssPeak, probe.pings(), notes);
        }
    }
}
