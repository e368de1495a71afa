package dev.portcullis.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Portcullis as an operator runs it: {@code dev.portcullis.Main} in a JVM of its own, on ephemeral ports,
 * with its stdout lines and stderr text collected as they arrive. Closing it sends SIGTERM.
 */
public final class ServerProcess implements AutoCloseable {
    public static final Pattern READY = Pattern.compile(
            "portcullis ready ws=ws://127\\.0\\.0\\.1:(\\d+) http=http://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final List<String> stdout = new ArrayList<>();
    private final StringBuffer stderr = new StringBuffer();
    private final List<Thread> pumps = new ArrayList<>();

    public ServerProcess(Path dataDir, String... extraArgs) {
        this(List.of(), 0, dataDir, extraArgs);
    }

    /**
     * With {@code jvmOptions} (such as {@code -Xmx96m}) before the main class, and with {@code maxOpenFiles}
     * &gt; 0 under that open-file limit ({@code ulimit -n}, soft and hard, so the JVM cannot raise it).
     */
    public ServerProcess(List<String> jvmOptions, int maxOpenFiles, Path dataDir, String... extraArgs) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        if (maxOpenFiles > 0) {
            command.addAll(List.of("bash", "-c", "ulimit -n " + maxOpenFiles + " && exec \"$@\"", "ulimit"));
        }
        command.add(java);
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "dev.portcullis.Main", "--data-dir", dataDir.toString(), "--ws-port", "0", "--http-port", "0",
                "--bcrypt-cost", "4"));
        command.addAll(List.of(extraArgs));
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Threads of their own: a full pipe would block the server's logging.
        pump(process.getInputStream(), true);
        pump(process.getErrorStream(), false);
    }

    private void pump(InputStream stream, boolean out) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    if (out) {
                        synchronized (stdout) {
                            stdout.add(line);
                        }
                    } else {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, out ? "server-stdout" : "server-stderr");
        t.setDaemon(true);
        t.start();
        pumps.add(t);
    }

    /** Waits for the first stdout line and checks it is the ready line; returns its match (ws port, http port). */
    public Matcher awaitReady() {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            synchronized (stdout) {
                return !stdout.isEmpty();
            }
        });
        Matcher m = READY.matcher(stdout().get(0));
        assertTrue(m.matches(), "not a ready line: " + stdout().get(0) + "\nstderr:\n" + stderr);
        return m;
    }

    public List<String> stdout() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    public String stderr() {
        return stderr.toString();
    }

    public Process process() {
        return process;
    }

    /** Stops the server (SIGTERM) and waits until everything it wrote has been read. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            for (Thread pump : pumps) {
                pump.join(5000);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
