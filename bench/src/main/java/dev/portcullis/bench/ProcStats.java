package dev.portcullis.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What Linux says about a process: CPU time from {@code /proc/PID/stat} (utime + stime, in clock ticks) and
 * resident memory from {@code /proc/PID/status} (VmRSS). Both cover every thread of the JVM: GC, JIT and
 * the application alike, which is the cost an operator pays.
 */
final class ProcStats {
    /** Used when {@code getconf CLK_TCK} cannot be run; it is 100 on every common Linux. */
    private static final long DEFAULT_TICKS_PER_SECOND = 100;
    private static final long TICKS_PER_SECOND = ticksPerSecond();

    private ProcStats() {
    }

    static long ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the default
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return DEFAULT_TICKS_PER_SECOND;
    }

    static long clockTicksPerSecond() {
        return TICKS_PER_SECOND;
    }

    /** User plus system CPU time of {@code pid} so far, in nanoseconds (at clock-tick resolution). */
    static long cpuNanos(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
        return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    }

    /** Resident set size of {@code pid} in bytes. */
    static long rssBytes(long pid) {
        for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] f = line.substring(6).trim().split(" +");
                return Long.parseLong(f[0]) * 1024; // always reported in kB
            }
        }
        throw new BenchException("no VmRSS in /proc/" + pid + "/status");
    }

    /**
     * CPU time every process on the machine has used (user, nice, system, irq, softirq from the first line
     * of /proc/stat), in nanoseconds: what is left after the server and the load generator is someone else.
     */
    static long machineBusyNanos() {
        String[] f = read(Path.of("/proc/stat")).lines().findFirst().orElse("cpu").trim().split(" +");
        if (f.length < 8) {
            return 0;
        }
        long ticks = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                + Long.parseLong(f[7]);
        return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    }

    /** The soft limit on open files of this process, from /proc/self/limits; -1 if unlimited or unknown. */
    static long maxOpenFiles() {
        for (String line : read(Path.of("/proc/self/limits")).split("\n")) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split(" +")[0];
                return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
            }
        }
        return -1;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new BenchException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
