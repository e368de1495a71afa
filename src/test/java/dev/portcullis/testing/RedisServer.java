package dev.portcullis.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} on a free loopback port, as a child process without persistence, which a test
 * can kill and start again on the same port. Tests that need one are skipped when it is not installed, unless
 * {@code PORTCULLIS_REQUIRE_REDIS=1}, where they fail instead.
 */
public final class RedisServer implements AutoCloseable {
    private final Path binary;
    private final int port;
    /** Certificate and key (PEM) when it speaks TLS only, else null. */
    private final Path[] tls;
    private Process process;
    /** Kills the server should the test JVM end without closing it: an orphan would hold its port. */
    private Thread reaper;

    private RedisServer(Path binary, int port, Path... tls) {
        this.binary = binary;
        this.port = port;
        this.tls = tls.length == 0 ? null : tls;
    }

    /** Starts one, or skips (or fails, when required) the calling test if redis-server is not installed. */
    public static RedisServer start() {
        RedisServer server = new RedisServer(requireBinary(), freePort());
        server.launch();
        return server;
    }

    /** One that speaks only TLS on its port, with the given certificate and key (PEM files). */
    public static RedisServer startTls(Path certificate, Path key) {
        RedisServer server = new RedisServer(requireBinary(), freePort(), certificate, key);
        server.launch();
        return server;
    }

    private static Path requireBinary() {
        Optional<Path> binary = find();
        if (binary.isEmpty()) {
            String message = "redis-server not found on PATH or in /usr/bin, /usr/local/bin"
                    + " (apt-get install redis-server); Redis tests skipped";
            if ("1".equals(System.getenv("PORTCULLIS_REQUIRE_REDIS"))) {
                fail(message.replace("skipped", "required by PORTCULLIS_REQUIRE_REDIS=1"));
            }
            Assumptions.assumeTrue(false, message);
        }
        return binary.get();
    }

    private static Optional<Path> find() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : (path + ":/usr/bin:/usr/local/bin").split(":")) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, "redis-server");
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() {
        try {
            List<String> command = new ArrayList<>(List.of(binary.toString(), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--protected-mode", "no"));
            if (tls == null) {
                command.addAll(List.of("--port", Integer.toString(port)));
            } else {
                command.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file",
                        tls[0].toString(), "--tls-key-file", tls[1].toString(), "--tls-auth-clients", "no"));
            }
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process started = process;
        reaper = new Thread(started::destroyForcibly, "redis-server-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(this::answersPing);
    }

    private boolean answersPing() {
        if (!process.isAlive()) {
            throw new IllegalStateException("redis-server exited with " + process.exitValue() + " on port " + port);
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            if (tls != null) {
                return true; // listening is all a plain socket can tell of a TLS port
            }
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] reply = new byte[7];
            int n = in.readNBytes(reply, 0, 7);
            return n == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT/0}. */
    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Kills it (SIGKILL) and waits until it is gone; everything it held is lost. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (reaper != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down, and the hook runs anyway
            }
            reaper = null;
        }
    }

    /** Starts it again, empty, on the same port. */
    public void restart() {
        kill();
        launch();
    }

    @Override
    public void close() {
        kill();
    }
}
