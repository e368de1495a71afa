package dev.portcullis.metrics;

import static dev.portcullis.testing.Clients.get;
import static dev.portcullis.testing.Clients.refused;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.client.ConnectionClosedException;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics}: the counters move with what happens (README, "Metrics"). */
class MetricsTest {
    @TempDir
    Path dir;

    private static long value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(scrape);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    @DisplayName("a scrape shows connections by state, auth outcomes, close codes, messages and the auth latency histogram")
    void scrape() throws Exception {
        try (TestServer server = TestServer.start(dir, "--rate-limit", "bucket:2:1")) {
            String token = server.login("alice", TestServer.PASSWORD);
            String before = scrape(server);
            assertTrue(before.contains("# TYPE portcullis_auth_latency_seconds histogram"), before);
            try (PortcullisClient alice = Clients.connectedWith(server, token, new Recorder())) {
                get(alice.join("m"));
                get(alice.send("m", "1", "x"));
                refused(alice.send("m", "2", "y"), "rate_limited");
                ConnectionClosedException stranger = Clients.refusedAtGate(Clients.withToken(server, "forged", new Recorder()));
                assertEquals("Invalid token", stranger.reason());
                String during = scrape(server);
                assertEquals(1, value(during, "portcullis_connections{state=\"authenticated\"}"));
                assertEquals(1, value(during, "portcullis_auth_total{outcome=\"ok\"}"));
                assertEquals(1, value(during, "portcullis_auth_total{outcome=\"invalid_token\"}"));
                assertEquals(3, value(during, "portcullis_messages_in_total"));
                assertEquals(1, value(during, "portcullis_rate_limited_total"));
                assertTrue(value(during, "portcullis_messages_out_total") >= 3);
                assertEquals(1, value(during, "portcullis_auth_latency_seconds_count"));
                assertEquals(1, value(during, "portcullis_logins_total{outcome=\"ok\"}"));
            }
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    value(scrape(server), "portcullis_connections{state=\"authenticated\"}") == 0);
            String after = scrape(server);
            assertEquals(1, value(after, "portcullis_closes_total{code=\"1008\"}"));
            // The client closes with 1000 and waits for the echo, then the JDK drops the socket at once; the
            // library sometimes sees that drop before it finishes the close (1006; 2 runs in 15 here).
            assertEquals(1, value(after, "portcullis_closes_total{code=\"1000\"}")
                    + value(after, "portcullis_closes_total{code=\"1006\"}"), after);
            assertEquals(0, value(after, "portcullis_connections{state=\"awaiting_auth\"}"));
        }
    }

    private static String scrape(TestServer server) {
        HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.httpUri("/metrics")).GET().build());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        return r.body();
    }
}
