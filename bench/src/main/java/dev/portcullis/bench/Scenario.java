package dev.portcullis.bench;

import java.time.Duration;
import java.util.List;

/**
 * One benchmark: measures the baseline and Portcullis the same way ({@link Bench#both}) and turns the two
 * results into a {@link Report}. Figures from the server come from {@link Usage}.
 */
abstract class Scenario {
    abstract Report run(Bench bench);

    /** A side's result, with the usage of its measured phase, so a disturbed phase can be measured again. */
    interface Measured {
        Usage usage();
    }

    /** Server CPU time and RSS over a measured phase, with the profile of that phase if one was asked for. */
    static final class Usage {
        private final Bench bench;
        private final ServerProcess server;
        private final String scenario;
        private final long cpuStart;
        private final long wallStart;
        private final long selfStart;
        private final long machineStart;
        long cpuNanos;
        long wallNanos;
        long rssBytes;
        /** The load generator's own CPU time in the phase, and everyone else's (other builds, the OS). */
        long loadGeneratorNanos;
        long otherNanos;

        private Usage(Bench bench, ServerProcess server, String scenario) {
            this.bench = bench;
            this.server = server;
            this.scenario = scenario;
            bench.profileStart(server);
            this.cpuStart = server.cpuNanos();
            this.selfStart = ProcStats.cpuNanos(ProcessHandle.current().pid());
            this.machineStart = ProcStats.machineBusyNanos();
            this.wallStart = System.nanoTime();
        }

        static Usage start(Bench bench, Side side, String scenario) {
            return new Usage(bench, side.server(), scenario);
        }

        /** Ends the phase; the profile summary, if any, goes into {@code notes}. */
        Usage stop(List<String> notes) {
            cpuNanos = server.cpuNanos() - cpuStart;
            wallNanos = System.nanoTime() - wallStart;
            loadGeneratorNanos = ProcStats.cpuNanos(ProcessHandle.current().pid()) - selfStart;
            otherNanos = Math.max(0, ProcStats.machineBusyNanos() - machineStart - cpuNanos - loadGeneratorNanos);
            rssBytes = server.rssBytes();
            bench.profileStop(server, scenario, notes);
            return this;
        }

        /** Share of one core the server used during the phase. */
        double cores() {
            return wallNanos == 0 ? 0 : (double) cpuNanos / wallNanos;
        }

        double loadGeneratorCores() {
            return wallNanos == 0 ? 0 : (double) loadGeneratorNanos / wallNanos;
        }

        double otherCores() {
            return wallNanos == 0 ? 0 : (double) otherNanos / wallNanos;
        }
    }

    /**
     * Who else used the two cores during each measured phase: the load generator, and anything outside the
     * benchmark (a build, the OS). A phase where others took a large share is noise, not a result.
     */
    static void contention(Report report, Usage portcullis, Usage baseline) {
        report.row("load_generator_cores", "load generator CPU (cores busy)", Report.Unit.FACTOR,
                        portcullis.loadGeneratorCores(), baseline.loadGeneratorCores())
                .row("other_cores", "other processes' CPU (cores busy)", Report.Unit.FACTOR,
                        portcullis.otherCores(), baseline.otherCores());
    }

    /** A generous bound for setting up {@code n} connections: a stuck run ends, a slow one does not. */
    static Duration openTimeout(int n) {
        return Duration.ofSeconds(60 + n / 50);
    }

    static double perSecond(long count, long nanos) {
        return nanos <= 0 ? 0 : count * 1e9 / nanos;
    }

    static double micros(long nanos) {
        return nanos / 1e3;
    }
}
