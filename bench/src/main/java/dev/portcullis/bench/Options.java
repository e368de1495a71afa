package dev.portcullis.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sizes and switches of one benchmark run. The defaults are the full sizes the targets are set at; {@code --smoke}
 * shrinks everything so the whole suite runs in seconds (the smoke test in {@code mvn verify}).
 */
final class Options {
    static final List<String> SCENARIOS = List.of("connect", "fanout", "idle", "slowloris", "login-storm", "rtt");
    /** The same flags for both servers; G1 named so the figures do not depend on the JVM's ergonomics. */
    static final String DEFAULT_SERVER_JVM = "-XX:+UseG1GC -Xms64m -Xmx1g";

    final List<String> scenarios = new ArrayList<>();
    int connections = 10_000;
    int connectWarmup = 1_000;
    int connectWindow = 100;
    int members = 1_000;
    int messages = 2_000;
    int fanoutWarmup = 200;
    int fanoutWindow = 16;
    int payloadBytes = 64;
    int idle = 10_000;
    double idleHoldSeconds = 5;
    int slowloris = 10_000;
    int openWindow = 200;
    int loginConcurrency = 50;
    double loginSeconds = 10;
    int rttSamples = 20_000;
    int rttWarmup = 5_000;
    double quietSeconds = 3;
    double probeIntervalMillis = 1;
    /** Quiet time between phases (a server stopped, warm-up connections closed) so one does not bleed into the next. */
    long settleMillis = 500;
    /** Before each server starts, wait up to this long for the machine to be quiet (other work under 0.25 cores). */
    double quietWaitSeconds = 60;
    /** Measurements of a side repeated when other processes used over a quarter of a core during its phase. */
    int retries = 2;
    String serverJvm = DEFAULT_SERVER_JVM;
    Path jar;
    Path out;
    boolean profile;
    /** The baseline also sweeps its selector's selected keys, as Portcullis does (a control run). */
    boolean baselineSweep;
    /** The latency probe on Portcullis is the client library (PortcullisClient) instead of the NIO client. */
    boolean libraryProbe;
    boolean baselineFirst = true;
    /** What was measured (run.sh passes {@code git describe --always --dirty}), printed with every result. */
    String label = "unlabelled";
    /** Portcullis options set by the user (name without dashes, value), on top of the harness's own. */
    final Map<String, String> portcullisOptions = new LinkedHashMap<>();

    static final String USAGE = """
            usage: ./run.sh bench [SCENARIO...] [OPTIONS]
            scenarios: connect fanout idle slowloris login-storm rtt (default: all, in that order)
              --connections N        connect: connections measured (10000), after --connect-warmup N (1000)
              --connect-window N     connect: connections setting up at once (100)
              --members N            fanout: room members besides the sender (1000)
              --messages N           fanout: messages measured (2000), after --fanout-warmup N (200)
              --fanout-window N      fanout: messages sent but not yet delivered to every member (16)
              --payload-bytes N      fanout: padding in each payload (64)
              --idle N               idle: connections held (10000); --idle-hold-seconds S before measuring (5)
              --slowloris N          slowloris: connections that never authenticate (10000)
              --open-window N        idle, slowloris: connections setting up at once (200)
              --login-concurrency N  login-storm: logins in flight (50); --login-seconds S of storm (10)
              --rtt-samples N        rtt: round trips measured (20000), after --rtt-warmup N (5000)
              --quiet-seconds S      slowloris, login-storm: probe time before the storm (3)
              --probe-interval-ms MS slowloris, login-storm: pause between probe round trips (1)
              --quiet-wait-seconds S before each server, wait up to S for other work on the machine to stop (60)
              --retries N            measure a side again (up to N times) when other processes used over
                                     0.25 cores during its phase; the least disturbed attempt is kept (2)
              --server-jvm "FLAGS"   JVM flags of both servers (%s)
              --jar PATH             run Portcullis from this jar (default: Main from the classpath)
              --portcullis-opt K=V   extra Portcullis option, printed with the results (repeatable)
              --order baseline-first|portcullis-first   which server each scenario measures first
              --out DIR              also write results (.jsonl, .md) and server logs there
              --label TEXT           what is being measured, e.g. a commit (./run.sh passes git describe)
              --profile              JFR recording of each server's measured phase, summarised in the notes
              --probe-client nio|portcullis   the rtt, slowloris and login-storm probe on Portcullis: the
                                     harness's NIO client (default, as on the baseline) or the Java client
                                     library, PortcullisClient (BENCHMARKS.md)
              --baseline-sweep       control run: the baseline also empties its selector's selected keys after
                                     each pass with a read, as Portcullis does (BENCHMARKS.md)
              --smoke                tiny sizes: the whole suite in seconds, to check the harness
            """.formatted(DEFAULT_SERVER_JVM);

    static Options parse(String... args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                if (!SCENARIOS.contains(a)) {
                    throw new IllegalArgumentException("unknown scenario '" + a + "'");
                }
                o.scenarios.add(a);
                continue;
            }
            switch (a) {
                case "--smoke" -> o.smoke();
                case "--profile" -> o.profile = true;
                case "--baseline-sweep" -> o.baselineSweep = true;
                case "--help", "-h" -> throw new IllegalArgumentException("help");
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    o.set(a, args[++i]);
                }
            }
        }
        if (o.scenarios.isEmpty()) {
            o.scenarios.addAll(SCENARIOS);
        }
        return o;
    }

    private void set(String flag, String v) {
        switch (flag) {
            case "--connections" -> connections = positive(flag, v);
            case "--connect-warmup" -> connectWarmup = natural(flag, v);
            case "--connect-window" -> connectWindow = positive(flag, v);
            case "--members" -> members = positive(flag, v);
            case "--messages" -> messages = positive(flag, v);
            case "--fanout-warmup" -> fanoutWarmup = natural(flag, v);
            case "--fanout-window" -> fanoutWindow = positive(flag, v);
            case "--payload-bytes" -> payloadBytes = natural(flag, v);
            case "--idle" -> idle = positive(flag, v);
            case "--idle-hold-seconds" -> idleHoldSeconds = seconds(flag, v);
            case "--slowloris" -> slowloris = positive(flag, v);
            case "--open-window" -> openWindow = positive(flag, v);
            case "--login-concurrency" -> loginConcurrency = positive(flag, v);
            case "--login-seconds" -> loginSeconds = seconds(flag, v);
            case "--rtt-samples" -> rttSamples = positive(flag, v);
            case "--rtt-warmup" -> rttWarmup = natural(flag, v);
            case "--quiet-seconds" -> quietSeconds = seconds(flag, v);
            case "--probe-interval-ms" -> probeIntervalMillis = seconds(flag, v);
            case "--server-jvm" -> serverJvm = v;
            case "--quiet-wait-seconds" -> quietWaitSeconds = seconds(flag, v);
            case "--retries" -> retries = natural(flag, v);
            case "--jar" -> jar = Path.of(v);
            case "--out" -> out = Path.of(v);
            case "--label" -> label = v;
            case "--probe-client" -> libraryProbe = switch (v) {
                case "portcullis" -> true;
                case "nio" -> false;
                default -> throw new IllegalArgumentException("--probe-client is nio or portcullis");
            };
            case "--order" -> baselineFirst = switch (v) {
                case "baseline-first" -> true;
                case "portcullis-first" -> false;
                default -> throw new IllegalArgumentException("--order is baseline-first or portcullis-first");
            };
            case "--portcullis-opt" -> {
                int eq = v.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--portcullis-opt takes NAME=VALUE, e.g. auth-timeout=5s");
                }
                portcullisOptions.put(v.substring(0, eq).replaceFirst("^--", ""), v.substring(eq + 1));
            }
            default -> throw new IllegalArgumentException("unknown option " + flag);
        }
    }

    /** Sizes for the smoke test: every code path, a few seconds per scenario. */
    private void smoke() {
        connections = 20;
        connectWarmup = 5;
        connectWindow = 4;
        members = 5;
        messages = 20;
        fanoutWarmup = 5;
        fanoutWindow = 4;
        idle = 20;
        idleHoldSeconds = 0.2;
        slowloris = 20;
        openWindow = 8;
        loginConcurrency = 4;
        loginSeconds = 1;
        rttSamples = 100;
        rttWarmup = 20;
        quietSeconds = 0.5;
        settleMillis = 50;
        quietWaitSeconds = 0;
        retries = 0;
        // The one change to what is measured: slowloris would otherwise wait the default 5 s per server.
        portcullisOptions.putIfAbsent("auth-timeout", "1s");
    }

    private static int positive(String flag, String v) {
        int n = natural(flag, v);
        if (n == 0) {
            throw new IllegalArgumentException(flag + " must be at least 1");
        }
        return n;
    }

    private static int natural(String flag, String v) {
        try {
            int n = Integer.parseInt(v.replace("_", "").replace(",", ""));
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a whole number, not '" + v + "'");
        }
    }

    private static double seconds(String flag, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d < 0 || Double.isNaN(d) || d > 3600) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a number from 0 to 3600, not '" + v + "'");
        }
    }
}
