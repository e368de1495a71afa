package dev.portcullis.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's headless Chromium, driven over the Chrome DevTools Protocol with nothing but the JDK. Each
 * {@link #newPage()} is a fresh tab with its own {@link DevTools} session.
 */
final class Chromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    /** CI sets this so that a missing browser fails the build instead of skipping the test. */
    static final String REQUIRE = "PORTCULLIS_REQUIRE_BROWSER";
    /** A cold start on a loaded 2-core machine takes a few seconds; a passing run never waits this out. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private Chromium(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Skips the calling test when Chromium is missing, or fails it if {@value #REQUIRE}=1. */
    static void assumeInstalled() {
        if (installed()) {
            return;
        }
        String why = BINARY + " is missing, so the browser demo's end-to-end test cannot run"
                + " (apt-get install -y chromium installs it)";
        if ("1".equals(System.getenv(REQUIRE))) {
            fail(why + "; " + REQUIRE + "=1 makes that a failure");
        }
        Assumptions.abort(why + "; skipped");
    }

    /** Starts Chromium with a profile in {@code dir} and waits for its DevTools port. */
    static Chromium launch(Path dir) throws IOException {
        Path profile = Files.createDirectories(dir.resolve("profile"));
        Path log = dir.resolve("chromium.log");
        Process process = new ProcessBuilder(List.of(BINARY.toString(),
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        // Chromium writes the port it picked, then the browser's path, into this file once DevTools listens.
        Path active = profile.resolve("DevToolsActivePort");
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .failFast("Chromium exited", () -> !process.isAlive())
                    .until(() -> Files.exists(active) && Files.readAllLines(active).size() >= 2);
        } catch (RuntimeException | Error e) {
            process.destroyForcibly();
            throw new AssertionError("Chromium did not start; its output:\n" + Files.readString(log), e);
        }
        return new Chromium(process, log, Integer.parseInt(Files.readAllLines(active).get(0).strip()));
    }

    /** A new tab on about:blank. */
    DevTools newPage() {
        // PUT, not GET: Chromium refuses to open tabs on a GET since version 111.
        JsonNode target = TestServer.json(send(HttpRequest.newBuilder(devtools("/json/new?about:blank"))
                .PUT(HttpRequest.BodyPublishers.noBody()).build()));
        return DevTools.connect(http, URI.create(target.get("webSocketDebuggerUrl").asText()), target.get("id").asText());
    }

    /** Closes a tab opened by {@link #newPage()}. */
    void closePage(DevTools page) {
        page.close();
        send(HttpRequest.newBuilder(devtools("/json/close/" + page.targetId())).GET().build());
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private URI devtools(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private String send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Ends the browser and every process it started (renderers, the zygote, the GPU and network services). */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
