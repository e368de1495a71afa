package dev.portcullis.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test in a JVM of its own, Portcullis or the baseline, started on ephemeral ports; its
 * ready line says which. Its CPU time and RSS come from /proc, its heap after a full GC from {@code jcmd}.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile(
            "(portcullis|baseline) ready ws=ws://127\\.0\\.0\\.1:(\\d+)(?: http=http://127\\.0\\.0\\.1:(\\d+))?");
    /** One line of {@code GC.heap_info} per heap (G1) or generation (Serial, Parallel). */
    private static final Pattern HEAP_USED = Pattern.compile("^ \\S.*total \\d+K, used (\\d+)K", Pattern.MULTILINE);
    private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)", Pattern.MULTILINE);
    private static final int READY_SECONDS = 60;
    private static final int STOP_SECONDS = 15;

    private final String name;
    private final Process process;
    private final Path stderr;
    private final int wsPort;
    private final int httpPort;

    private ServerProcess(String name, Process process, Path stderr, int wsPort, int httpPort) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        this.wsPort = wsPort;
        this.httpPort = httpPort;
    }

    /** Starts {@code command} and waits for its ready line; its stderr goes to {@code stderr}. */
    static ServerProcess start(String name, List<String> command, Path stderr) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
        // Settings from the caller's environment would change what is measured; flags say it all.
        builder.environment().keySet().removeIf(k -> k.startsWith("PORTCULLIS_"));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new BenchException("cannot start " + name + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> firstLine = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    firstLine.complete(line); // later lines are drained and dropped
                }
            } catch (IOException e) {
                // the process ended
            }
            firstLine.complete(null);
        }, name + "-stdout");
        pump.setDaemon(true);
        pump.start();
        String line;
        try {
            line = firstLine.get(READY_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new BenchException("interrupted while starting " + name);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new BenchException(name + " printed no ready line within " + READY_SECONDS + " s; stderr:\n" + tail(stderr));
        }
        Matcher m = line == null ? null : READY.matcher(line);
        if (m == null || !m.matches()) {
            process.destroyForcibly();
            throw new BenchException(name + " did not start (first line: " + line + "); stderr:\n" + tail(stderr));
        }
        return new ServerProcess(name, process, stderr, Integer.parseInt(m.group(2)),
                m.group(3) == null ? -1 : Integer.parseInt(m.group(3)));
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    InetSocketAddress ws() {
        return new InetSocketAddress("127.0.0.1", wsPort);
    }

    InetSocketAddress http() {
        return new InetSocketAddress("127.0.0.1", httpPort);
    }

    long cpuNanos() {
        requireAlive();
        return ProcStats.cpuNanos(pid());
    }

    long rssBytes() {
        requireAlive();
        return ProcStats.rssBytes(pid());
    }

    /**
     * Runs a full GC in the server ({@code jcmd PID GC.run}, i.e. System.gc()) and returns the heap then in
     * use ({@code GC.heap_info}), in bytes: the live objects. Both commands go in one jcmd call.
     */
    long heapAfterGc() {
        requireAlive();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        try {
            Path commands = Files.createTempFile("bench-jcmd", ".txt");
            try {
                Files.writeString(commands, "GC.run\nGC.heap_info\n");
                Process p = new ProcessBuilder(jcmd, Long.toString(pid()), "-f", commands.toString())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new BenchException("jcmd failed for " + name + ":\n" + out);
                }
                Matcher m = HEAP_USED.matcher(out);
                long usedKiB = 0;
                boolean found = false;
                while (m.find()) {
                    usedKiB += Long.parseLong(m.group(1));
                    found = true;
                }
                if (!found) {
                    throw new BenchException("no heap figure in jcmd GC.heap_info output for " + name + ":\n" + out);
                }
                return usedKiB * 1024;
            } finally {
                Files.deleteIfExists(commands);
            }
        } catch (IOException e) {
            throw new BenchException("cannot run jcmd: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while running jcmd");
        }
    }

    /** Live objects by class after a full GC ({@code jcmd PID GC.class_histogram}): class name to {instances, bytes}. */
    Map<String, long[]> classHistogram() {
        Map<String, long[]> classes = new HashMap<>();
        Matcher m = HISTOGRAM_LINE.matcher(jcmd("GC.class_histogram"));
        while (m.find()) {
            classes.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        }
        return classes;
    }

    /**
     * Starts a JFR recording: the JDK's {@code profile} settings with method sampling every millisecond
     * instead of every 10 (Java) and 20 (native) ms, so a phase of a few seconds yields enough samples.
     */
    void jfrStart() {
        try {
            String jfc = Files.readString(Path.of(System.getProperty("java.home"), "lib", "jfr", "profile.jfc"))
                    .replaceAll("(?<head>method-sampling-(java|native)-interval\">)\\d+ ms", "${head}1 ms");
            Path settings = Files.createTempFile("bench-profile", ".jfc");
            settings.toFile().deleteOnExit();
            Files.writeString(settings, jfc);
            jcmd("JFR.start", "name=bench", "settings=" + settings);
        } catch (IOException e) {
            throw new BenchException("cannot write JFR settings: " + e.getMessage(), e);
        }
    }

    /** Stops the recording started by {@link #jfrStart} and writes it to {@code file}. */
    void jfrStop(Path file) {
        jcmd("JFR.stop", "name=bench", "filename=" + file.toAbsolutePath());
    }

    private String jcmd(String... command) {
        requireAlive();
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid())));
        line.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new BenchException("jcmd " + String.join(" ", command) + " failed for " + name + ":\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new BenchException("cannot run jcmd: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while running jcmd");
        }
    }

    private void requireAlive() {
        if (!process.isAlive()) {
            throw new BenchException(name + " exited with " + process.exitValue() + "; stderr:\n" + tail(stderr));
        }
    }

    /** SIGTERM, then SIGKILL if it has not stopped within 15 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", new ArrayList<>(lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        } catch (IOException e) {
            return "(" + file + " unreadable: " + e.getMessage() + ")";
        }
    }
}
