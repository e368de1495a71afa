package dev.portcullis.bench;

import java.time.Duration;
import java.util.List;

/**
 * One benchmark: measures the baseline and Portcullis the same way ({@link Bench#both}) and turns the two
 * results into a {@link Report}. Figures from the server come from {@link Usage}.
 */
abstract class Scenario {
    abstract Report run(Bench bench);

    /** Server CPU time and RSS over a measured phase, with the profile of that phase if one was asked for. */
    static final class Usage {
        private final Bench bench;
        private final ServerProcess server;
        private final String scenario;
        private final long cpuStart;
        private final long wallStart;
        long cpuNanos;
        long wallNanos;
        long rssBytes;

        private Usage(Bench bench, ServerProcess server, String scenario) {
            this.bench = bench;
            this.server = server;
            this.scenario = scenario;
            bench.profileStart(server);
            this.cpuStart = server.cpuNanos();
            this.wallStart = System.nanoTime();
        }

        static Usage start(Bench bench, Side side, String scenario) {
            return new Usage(bench, side.server(), scenario);
        }

        /** Ends the phase; the profile summary, if any, goes into {@code notes}. */
        Usage stop(List<String> notes) {
            cpuNanos = server.cpuNanos() - cpuStart;
            wallNanos = System.nanoTime() - wallStart;
            rssBytes = server.rssBytes();
            bench.profileStop(server, scenario, notes);
            return this;
        }

        /** Share of one core the server used during the phase. */
        double cores() {
            return wallNanos == 0 ? 0 : (double) cpuNanos / wallNanos;
        }
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
