package dev.portcullis.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The benchmark suite: runs each scenario against the bare baseline and against Portcullis, one
 * after the other in the same run, each server in a JVM of its own with the same flags, and prints every
 * figure next to its baseline. This class is the wiring: options, servers, then the scenarios in order.
 */
public final class Bench {
    /** The one account every benchmark connection logs in as. */
    static final String USER = "bench";
    /** Other processes using more than this during a measured phase make it worth measuring again. */
    static final double DISTURBED_CORES = 0.25;

    private final Options options;
    private final PrintStream out;
    private final PortcullisHome home;
    private final Map<String, String> overrides;
    private final Path logs;
    private int serverStarts;

    private Bench(Options options, PrintStream out, PortcullisHome home, Map<String, String> overrides, Path logs) {
        this.options = options;
        this.out = out;
        this.home = home;
        this.overrides = overrides;
        this.logs = logs;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().equals("help")) {
                System.err.println("bench: " + e.getMessage());
            }
            System.err.print(Options.USAGE);
            System.exit(2);
            return;
        }
        List<Report> reports;
        try {
            reports = run(options, System.out);
        } catch (BenchException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.exit(reports.stream().allMatch(r -> r.errors().isEmpty()) ? 0 : 1);
    }

    /** Runs the scenarios {@code options} names and returns their reports; each is printed as it ends. */
    public static List<Report> run(String[] args, PrintStream out) {
        return run(Options.parse(args), out);
    }

    static List<Report> run(Options options, PrintStream out) {
        checkFileLimit(options);
        Path logs = logDir(options);
        String help = portcullisHelp(options);
        Set<String> available = PortcullisHome.optionsIn(help);
        if (available.isEmpty()) {
            throw new BenchException("could not read Portcullis options from --help:\n" + help);
        }
        Set<String> unknown = new TreeSet<>(available);
        unknown.removeAll(PortcullisHome.KNOWN);
        Map<String, String> overrides = PortcullisHome.overrides(available, options.portcullisOptions);
        out.println("bench: measuring " + options.label + " on " + machine());
        out.println("bench: Portcullis overrides " + (overrides.isEmpty() ? "none (production defaults)" : overrides)
                + "; server JVM flags: " + options.serverJvm
                + (options.baselineSweep ? "; baseline with the selected-key sweep (control)" : "")
                + (options.libraryProbe ? "; probe on Portcullis: PortcullisClient" : ""));
        if (!unknown.isEmpty()) {
            out.println("bench: WARNING Portcullis has options this harness does not know: " + unknown
                    + "; if one throttles the load, add it to PortcullisHome.THROTTLES or pass --portcullis-opt NAME=off");
        }
        List<Report> reports = new ArrayList<>();
        try (PortcullisHome home = PortcullisHome.create()) {
            Bench bench = new Bench(options, out, home, overrides, logs);
            for (String name : options.scenarios) {
                Report report = bench.scenario(name).run(bench);
                report.context("build", options.label);
                report.context("server_jvm", options.serverJvm);
                report.context("baseline_server", options.baselineSweep ? "bare library + selected-key sweep (control)" : "bare library");
                if (name.equals("rtt") || name.equals("slowloris") || name.equals("login-storm")) {
                    report.context("probe_client", options.libraryProbe ? "PortcullisClient on Portcullis, NIO on the baseline" : "NIO on both");
                }
                report.context("portcullis_overrides", overrides);
                if (!unknown.isEmpty()) {
                    report.context("portcullis_options_unknown_to_harness", unknown);
                }
                out.println(report.jsonLine());
                out.print(report.table());
                out.println();
                out.flush();
                bench.save(report);
                reports.add(report);
            }
        } finally {
            if (options.out == null) {
                deleteTree(logs);
            }
        }
        if (options.out != null) {
            out.println("bench: results and server logs in " + logs);
        }
        return reports;
    }

    /** CPUs, model and memory of this machine, from the JVM and /proc. */
    static String machine() {
        String model = "unknown CPU";
        try {
            model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(model);
        } catch (IOException e) {
            // not Linux: say so below
        }
        long memKiB = 0;
        try {
            memKiB = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0L);
        } catch (IOException e) {
            // unknown
        }
        return Runtime.getRuntime().availableProcessors() + " x " + model + ", " + (memKiB >> 20) + " GiB, Java "
                + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")";
    }

    private Scenario scenario(String name) {
        return switch (name) {
            case "connect" -> new ConnectScenario();
            case "fanout" -> new FanoutScenario();
            case "idle" -> new IdleScenario();
            case "slowloris" -> new SlowlorisScenario();
            case "login-storm" -> new LoginStormScenario();
            case "rtt" -> new RttScenario();
            default -> throw new IllegalArgumentException(name);
        };
    }

    Options options() {
        return options;
    }

    Map<String, String> overrides() {
        return overrides;
    }

    PortcullisHome home() {
        return home;
    }

    void log(String message) {
        out.println("bench: " + message);
        out.flush();
    }

    /**
     * Measures with both servers, the baseline first unless {@code --order portcullis-first}: starts each,
     * runs {@code measure} against it, stops it. A failed measurement throws.
     */
    <T extends Scenario.Measured> Map<String, T> both(String scenario, Function<Side, T> measure) {
        Map<String, T> results = new LinkedHashMap<>();
        List<Boolean> order = options.baselineFirst ? List.of(true, false) : List.of(false, true);
        for (boolean baseline : order) {
            String name = baseline ? "baseline" : "portcullis";
            T best = null;
            for (int attempt = 0; attempt <= options.retries; attempt++) {
                awaitQuiet(scenario);
                T result;
                try (ServerProcess server = baseline ? startBaseline(scenario) : startPortcullis(scenario)) {
                    Side side = baseline ? new Side.Bare(server)
                            : new Side.Gated(server, HttpLogin.token(server.http(), USER, home.password()));
                    log(scenario + ": measuring " + name + " (pid " + server.pid() + ")");
                    result = measure.apply(side);
                }
                pause(options.settleMillis); // the stopped server's sockets and CPU settle before the next one starts
                double others = result.usage().otherCores();
                if (best == null || others < best.usage().otherCores()) {
                    best = result;
                }
                if (others <= DISTURBED_CORES) {
                    break;
                }
                log(scenario + ": other processes used " + Report.round(others) + " cores while " + name
                        + " was measured" + (attempt < options.retries ? "; measuring again" : "; keeping the least disturbed attempt"));
            }
            results.put(name, best);
        }
        return results;
    }

    /**
     * Waits (up to {@code --quiet-wait-seconds}) until the rest of the machine uses under a quarter of a core:
     * on two shared cores another build would be measured along with the servers.
     */
    private void awaitQuiet(String scenario) {
        if (options.quietWaitSeconds <= 0) {
            return;
        }
        long giveUp = System.nanoTime() + (long) (options.quietWaitSeconds * 1e9);
        boolean told = false;
        while (true) {
            long self = ProcStats.cpuNanos(ProcessHandle.current().pid());
            long busy = ProcStats.machineBusyNanos();
            long start = System.nanoTime();
            pause(1000);
            double others = (ProcStats.machineBusyNanos() - busy - (ProcStats.cpuNanos(ProcessHandle.current().pid()) - self))
                    / (double) (System.nanoTime() - start);
            if (others < DISTURBED_CORES) {
                return;
            }
            if (System.nanoTime() - giveUp > 0) {
                log(scenario + ": the machine is still busy (" + Report.round(others) + " cores used by other processes);"
                        + " measuring anyway: see 'other processes' CPU' in the results");
                return;
            }
            if (!told) {
                log(scenario + ": waiting for other processes to stop using the CPU (" + Report.round(others) + " cores)");
                told = true;
            }
        }
    }

    private ServerProcess startPortcullis(String scenario) {
        List<String> command = javaCommand();
        if (options.jar != null) {
            command.addAll(List.of("-jar", options.jar.toString()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.portcullis.Main"));
        }
        command.addAll(home.args(overrides));
        return ServerProcess.start("portcullis", command, logFile(scenario, "portcullis"));
    }

    private ServerProcess startBaseline(String scenario) {
        List<String> command = javaCommand();
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BaselineServer.class.getName(), "--port", "0"));
        if (options.baselineSweep) {
            command.add("--sweep");
        }
        return ServerProcess.start("baseline", command, logFile(scenario, "baseline"));
    }

    private List<String> javaCommand() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(options.serverJvm.trim().split("\\s+")));
        command.removeIf(String::isEmpty);
        return command;
    }

    /** Starts a JFR recording of {@code server} when {@code --profile} is on. */
    void profileStart(ServerProcess server) {
        if (options.profile) {
            server.jfrStart();
        }
    }

    /** Stops the recording and adds its hottest methods to {@code notes}; no-op without {@code --profile}. */
    void profileStop(ServerProcess server, String scenario, List<String> notes) {
        if (!options.profile) {
            return;
        }
        Path file = logs.resolve(scenario + "-" + server.name() + ".jfr");
        server.jfrStop(file);
        notes.add(server.name() + " profile (" + file + "): " + JfrTop.summary(file, 8));
    }

    private Path logFile(String scenario, String server) {
        return logs.resolve(scenario + "-" + server + "-" + (++serverStarts) + ".stderr.log");
    }

    private void save(Report report) {
        if (options.out == null) {
            return;
        }
        try {
            Files.writeString(logs.resolve("results.jsonl"), report.jsonLine() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Files.writeString(logs.resolve("results.md"), report.markdown(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new BenchException("cannot write results to " + logs + ": " + e.getMessage(), e);
        }
    }

    private static Path logDir(Options options) {
        try {
            if (options.out == null) {
                return Files.createTempDirectory("portcullis-bench-logs");
            }
            Path dir = options.out.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new BenchException("cannot create " + options.out + ": " + e.getMessage(), e);
        }
    }

    private static String portcullisHelp(Options options) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (options.jar != null) {
            command.addAll(List.of("-jar", options.jar.toString()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.portcullis.Main"));
        }
        command.add("--help");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return text;
        } catch (IOException e) {
            throw new BenchException("cannot run Portcullis --help: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }

    /** The load generator holds every connection of a scenario; fail early rather than at connection 9,000. */
    private static void checkFileLimit(Options o) {
        long need = 200L + Math.max(Math.max(o.connections + o.connectWarmup, o.idle),
                Math.max(o.slowloris, o.members + 1));
        long limit = ProcStats.maxOpenFiles();
        if (limit >= 0 && limit < need) {
            throw new BenchException("the open-file limit is " + limit + " but these sizes need about " + need
                    + "; raise it (ulimit -n, up to ulimit -Hn) or lower the sizes (./run.sh bench does this for you)");
        }
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory; the OS cleans it eventually
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }

    /** A duration option of Portcullis as the harness set it (e.g. {@code auth-timeout}), else its default. */
    long portcullisMillis(String option, long defaultMillis) {
        String v = overrides.get(option);
        if (v == null) {
            return defaultMillis;
        }
        var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(v.trim());
        if (!m.matches()) {
            throw new BenchException("cannot read --" + option + " " + v);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
        };
    }
}
