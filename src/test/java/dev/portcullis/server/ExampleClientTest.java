package dev.portcullis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.testing.TestServer;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client of protocol.md §9 and the README tour, run as a user runs it: {@code java Client.java}. */
class ExampleClientTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("§9: the single-file Java client passes the gate, sends a line and reports the close")
    void exampleClientRuns() throws Exception {
        try (TestServer server = TestServer.start(dir)) {
            String token = server.login("alice", TestServer.PASSWORD);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "src/examples/java/Client.java", server.wsUri().toString(), token)
                    .redirectErrorStream(true)
                    .start();
            try (OutputStream stdin = p.getOutputStream()) {
                stdin.write("{\"type\":\"hello\"}\n".getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "client did not exit");
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), output);
            assertTrue(output.contains("<- {\"type\":\"auth_ok\",\"user\":\"alice\""), output);
            assertTrue(output.contains("\"code\":\"unknown_type\""), output);
            assertTrue(output.contains("closed: 1000"), output);
        }
    }
}
