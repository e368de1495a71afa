package dev.portcullis.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.mindrot.jbcrypt.BCrypt;

/**
 * {@code login-storm}: {@code --login-concurrency} threads each keep one {@code POST /auth/login} in flight
 * (a cost-10 bcrypt each) for {@code --login-seconds}, while an authenticated probe measures round trips.
 * Target: the probe's p99 during the storm stays within twice its quiet p99, because bcrypt runs on the
 * login pool and never on Java-WebSocket's threads.
 *
 * <p>The baseline has no logins. As a control it gets the same CPU pressure from outside: as many threads
 * as Portcullis has bcrypt threads ({@code --login-threads}, by default one less than the cores) verify cost-10 hashes in the
 * load generator for as long. If the baseline's probe suffers as much, the machine is the limit, not the gate.
 */
final class LoginStormScenario extends Scenario {
    record Result(long ok, Map<Integer, Long> statuses, long errors, String error, double loginsPerSecond,
                  Histogram quiet, Histogram storm, Usage usage, long pings, List<String> notes) implements Measured {
        double slowdown() {
            return (double) storm.percentile(99) / Math.max(1, quiet.percentile(99));
        }
    }

    @Override
    Report run(Bench bench) {
        Options o = bench.options();
        String threads = bench.overrides().get("login-threads");
        // The same count as the server's default (auto): the load generator runs on the same machine.
        int bcryptThreads = threads == null ? Math.max(1, Runtime.getRuntime().availableProcessors() - 1)
                : Integer.parseInt(threads);
        Map<String, Result> r = bench.both("login-storm", side -> measure(bench, side, bcryptThreads));
        Result p = r.get("portcullis");
        Result b = r.get("baseline");
        Report report = new Report("login-storm", o.loginConcurrency + " logins in flight (bcrypt cost "
                + PortcullisHome.BCRYPT_COST + ") for " + o.loginSeconds + " s while a probe measures round trips; "
                + "baseline: " + bcryptThreads + " threads of bcrypt in the load generator as a CPU-pressure control")
                .param("concurrency", o.loginConcurrency).param("storm_seconds", o.loginSeconds)
                .param("bcrypt_cost", PortcullisHome.BCRYPT_COST).param("baseline_bcrypt_threads", bcryptThreads)
                .param("probe_interval_ms", o.probeIntervalMillis).param("quiet_seconds", o.quietSeconds);
        report.row("logins_per_s", "logins per second (200 OK)", Report.Unit.PER_SECOND, p.loginsPerSecond(), null)
                .row("logins_ok", "logins answered 200", Report.Unit.COUNT, p.ok(), null)
                .row("logins_refused", "logins answered otherwise", Report.Unit.COUNT,
                        p.statuses().entrySet().stream().filter(e -> e.getKey() != 200).mapToLong(Map.Entry::getValue).sum(), null)
                .row("probe_quiet_p50_us", "probe round trip p50, quiet", Report.Unit.MICROS,
                        micros(p.quiet().percentile(50)), micros(b.quiet().percentile(50)))
                .row("probe_storm_p50_us", "probe round trip p50, storm", Report.Unit.MICROS,
                        micros(p.storm().percentile(50)), micros(b.storm().percentile(50)))
                .row("probe_quiet_p99_us", "probe round trip p99, quiet", Report.Unit.MICROS,
                        micros(p.quiet().percentile(99)), micros(b.quiet().percentile(99)))
                .row("probe_storm_p99_us", "probe round trip p99, storm", Report.Unit.MICROS,
                        micros(p.storm().percentile(99)), micros(b.storm().percentile(99)))
                .row("probe_storm_over_quiet", "probe p99 storm / quiet", Report.Unit.FACTOR, p.slowdown(), b.slowdown())
                .row("cpu_ms_per_login", "server CPU per login", Report.Unit.MILLIS,
                        p.usage().cpuNanos / 1e6 / Math.max(1, p.ok()), null)
                .row("server_cores", "server CPU (cores busy)", Report.Unit.FACTOR, p.usage().cores(), b.usage().cores())
                .row("rss_bytes", "server RSS at the end", Report.Unit.BYTES, p.usage().rssBytes, b.usage().rssBytes)
                .row("late_pings", "probe answers pinged after 50 ms", Report.Unit.COUNT, p.pings(), b.pings());
        contention(report, p.usage(), b.usage());
        report.target("probe p99 during the storm <= 2x quiet p99", p.slowdown(), p.slowdown() <= 2);
        if (!p.statuses().isEmpty()) {
            report.note("portcullis login answers by status: " + p.statuses());
        }
        if (p.errors() > 0) {
            report.error("portcullis: " + p.errors() + " logins failed without an HTTP answer, first: " + p.error());
        }
        if (p.ok() == 0) {
            report.error("portcullis: no login succeeded");
        }
        r.values().forEach(x -> x.notes().forEach(report::note));
        return report;
    }

    private static Result measure(Bench bench, Side side, int bcryptThreads) {
        Options o = bench.options();
        boolean gated = side instanceof Side.Gated;
        List<String> notes = new ArrayList<>();
        try (RoundTrips probe = RoundTrips.open(o, side, (long) (o.probeIntervalMillis * 1e6))) {
            probe.collectFor(Duration.ofMillis((long) Math.min(1000, o.quietSeconds * 1000))); // warm-up
            Histogram quiet = probe.collectFor(Duration.ofMillis((long) (o.quietSeconds * 1000)));
            Usage usage = Usage.start(bench, side, "login-storm");
            long stormNanos = (long) (o.loginSeconds * 1e9);
            long start = System.nanoTime();
            long end = start + stormNanos;
            AtomicLong ok = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            Map<Integer, Long> statuses = new ConcurrentHashMap<>();
            String[] firstError = new String[1];
            String hash = BCrypt.hashpw(bench.home().password(), BCrypt.gensalt(PortcullisHome.BCRYPT_COST));
            int threads = gated ? o.loginConcurrency : bcryptThreads;
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                // A storm is many clients: each worker logs in from an address of its own (127.0.0.2 and up),
                // as the login pool shares its places between addresses.
                String from = "127.0.0." + (2 + t % 250);
                Thread w = new Thread(() -> {
                    while (System.nanoTime() - end < 0) {
                        if (!gated) {
                            BCrypt.checkpw(bench.home().password(), hash);
                            continue;
                        }
                        try {
                            HttpLogin.Answer a = HttpLogin.post(side.server().http(), from, Bench.USER, bench.home().password());
                            statuses.merge(a.status(), 1L, Long::sum);
                            if (a.status() == 200) {
                                ok.incrementAndGet();
                            }
                        } catch (IOException | RuntimeException e) {
                            if (errors.getAndIncrement() == 0) {
                                firstError[0] = e.toString();
                            }
                        }
                    }
                }, "login-" + t);
                w.setDaemon(true);
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                while (w.isAlive()) {
                    probe.check();
                    try {
                        w.join(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new BenchException("interrupted");
                    }
                    if (System.nanoTime() - end > TimeUnit.SECONDS.toNanos(60)) {
                        throw new BenchException(side.name() + ": a login took over 60 s past the storm's end");
                    }
                }
            }
            long elapsed = System.nanoTime() - start;
            Histogram storm = probe.phase();
            usage.stop(notes);
            return new Result(ok.get(), new TreeMap<>(statuses), errors.get(), firstError[0],
                    perSecond(ok.get(), elapsed), quiet, storm, usage, probe.pings(), notes);
        }
    }
}
