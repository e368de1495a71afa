package dev.portcullis.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as an operator starts it: a separate JVM with nothing configured but ephemeral ports and a
 * data dir. It must generate its secret and admin user, print one ready line, and let that admin in.
 */
class EmbeddedDefaultsTest {
    private static final Pattern READY = Pattern.compile(
            "portcullis ready ws=ws://127\\.0\\.0\\.1:(\\d+) http=http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern PASSWORD = Pattern.compile("password: (\\S+)");

    @TempDir
    Path dir;

    /** A server process with its stdout lines and stderr text collected as they arrive. */
    private static final class ServerProcess implements AutoCloseable {
        final Process process;
        final List<String> stdout = new ArrayList<>();
        final StringBuffer stderr = new StringBuffer();

        ServerProcess(Path dataDir) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.portcullis.Main",
                    "--data-dir", dataDir.toString(), "--ws-port", "0", "--http-port", "0", "--bcrypt-cost", "4")
                    .start();
            pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), true);
            pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), false);
        }

        private void pump(BufferedReader reader, boolean out) {
            CompletableFuture.runAsync(() -> {
                try {
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
            });
        }

        Matcher awaitReady() {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                synchronized (stdout) {
                    return !stdout.isEmpty();
                }
            });
            Matcher m = READY.matcher(stdout.get(0));
            assertTrue(m.matches(), "not a ready line: " + stdout.get(0) + "\nstderr:\n" + stderr);
            return m;
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    @DisplayName("first start generates a 0600 secret and an admin whose printed password logs in and passes the gate")
    void firstStart() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String password;
        try (ServerProcess p = new ServerProcess(dir)) {
            Matcher ready = p.awaitReady();
            int wsPort = Integer.parseInt(ready.group(1));
            int httpPort = Integer.parseInt(ready.group(2));

            Matcher pw = PASSWORD.matcher(p.stderr);
            assertTrue(pw.find(), "admin password was not printed:\n" + p.stderr);
            password = pw.group(1);
            assertTrue(p.stderr.toString().contains("NO JWT SECRET WAS CONFIGURED"), p.stderr.toString());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("jwt-secret"))));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("users.json"))));
            assertEquals(43, Files.readString(dir.resolve("jwt-secret")).length());

            String token = login(http, httpPort, password);
            try (RecordingClient c = RecordingClient.connect(http, URI.create("ws://127.0.0.1:" + wsPort + "/"))) {
                c.auth(token);
                JsonNode ok = c.awaitMessage("auth_ok");
                assertEquals("admin", ok.get("user").asText());
                assertEquals("admin", ok.get("roles").get(0).asText());
                p.process.destroy();
                c.awaitClose(1001, "Server shutting down");
            }
            assertEquals(143, p.process.waitFor(), "SIGTERM should run the shutdown hook and end the JVM");
            assertEquals(1, p.stdout.size(), "stdout must carry only the ready line: " + p.stdout);
            assertTrue(!p.stderr.toString().contains(token), "the token leaked to stderr");
        }

        // Second start: same secret and users, no new password, and the earlier password still works.
        try (ServerProcess p = new ServerProcess(dir)) {
            Matcher ready = p.awaitReady();
            assertTrue(!PASSWORD.matcher(p.stderr).find(), "a second start must not create another admin");
            login(http, Integer.parseInt(ready.group(2)), password);
        }
    }

    private static String login(HttpClient http, int port, String password) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/auth/login"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"admin\",\"password\":\"" + password + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return TestServer.json(r.body()).get("access_token").asText();
    }
}
