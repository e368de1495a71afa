package dev.portcullis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.ServerProcess;
import dev.portcullis.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
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
    private static final Pattern PASSWORD = Pattern.compile("password: (\\S+)");

    @TempDir
    Path dir;

    @Test
    @DisplayName("first start generates a 0600 secret and an admin whose printed password logs in and passes the gate")
    void firstStart() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String password;
        try (ServerProcess p = new ServerProcess(dir)) {
            Matcher ready = p.awaitReady();
            int wsPort = Integer.parseInt(ready.group(1));
            int httpPort = Integer.parseInt(ready.group(2));

            Matcher pw = PASSWORD.matcher(p.stderr());
            assertTrue(pw.find(), "admin password was not printed:\n" + p.stderr());
            password = pw.group(1);
            assertTrue(p.stderr().contains("NO JWT SECRET WAS CONFIGURED"), p.stderr().toString());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("jwt-secret"))));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("users.json"))));
            assertEquals(43, Files.readString(dir.resolve("jwt-secret")).length());

            String token = login(http, httpPort, password);
            Recorder r = new Recorder();
            try (PortcullisClient c = PortcullisClient.builder()
                    .wsUri(URI.create("ws://127.0.0.1:" + wsPort + "/"))
                    .tokenSupplier(() -> token)
                    .backoff(Clients.FAST)
                    .listener(r)
                    .build()) {
                c.connect();
                assertEquals("admin", c.user());
                assertEquals(List.of("admin"), c.roles());
                p.process().destroy();
                // The client then tries to reconnect to the stopped server until it is closed: not this test's concern.
                assertEquals(new Recorder.Closed(1001, "Server shutting down"), r.await(Recorder.Closed.class, 1).get(0));
            }
            long stopping = System.nanoTime();
            assertEquals(0, p.process().waitFor(), "SIGTERM is a requested stop: exit 0 after closing with 1001");
            assertTrue((System.nanoTime() - stopping) / 1_000_000 < 5000, "stopped within 5 s");
            assertEquals(1, p.stdout().size(), "stdout must carry only the ready line: " + p.stdout());
            assertTrue(!p.stderr().contains(token), "the token leaked to stderr");
        }

        // Second start: same secret and users, no new password, and the earlier password still works.
        try (ServerProcess p = new ServerProcess(dir)) {
            Matcher ready = p.awaitReady();
            assertTrue(!PASSWORD.matcher(p.stderr()).find(), "a second start must not create another admin");
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
