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

/** The Java client of protocol.md §9b and the README tour, run as a user runs it: {@code java Client.java}. */
class ExampleClientTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("§9b: the single-file Java client logs in, passes the gate, joins, sends, prints the relay and exits 0")
    void exampleClientRuns() throws Exception {
        try (TestServer server = TestServer.start(dir)) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(java, "src/examples/java/Client.java", "alice",
                    server.httpUri("").toString(), server.wsUri().toString())
                    .redirectErrorStream(true);
            builder.environment().put("PORTCULLIS_PASSWORD", TestServer.PASSWORD);
            Process p = builder.start();
            try (OutputStream stdin = p.getOutputStream()) {
                // The client sends these only after auth_ok, then closes with 1000 at the end of its input.
                stdin.write(("{\"type\":\"join\",\"room\":\"lobby\"}\n"
                        + "\n"
                        + "{\"type\":\"message\",\"room\":\"lobby\",\"payload\":{\"text\":\"hi\"},\"id\":\"m-1\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "client did not exit");
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), output);

            int authOk = output.indexOf("{\"type\":\"auth_ok\",\"user\":\"alice\",\"roles\":[\"user\"],\"expires_at\":");
            int joined = output.indexOf("{\"type\":\"joined\",\"room\":\"lobby\",\"members\":[\"alice\"]}");
            int relayed = output.indexOf("{\"type\":\"message\",\"room\":\"lobby\",\"from\":\"alice\","
                    + "\"payload\":{\"text\":\"hi\"},\"id\":\"m-1\",\"seq\":1,\"ts\":" + server.clock().millis() + "}");
            assertTrue(authOk >= 0, output);
            assertTrue(joined > authOk, output);
            assertTrue(relayed > joined, output);
            assertTrue(output.contains("closed: 1000 bye"), output);
        }
    }
}
