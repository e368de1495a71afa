package dev.portcullis.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Wire;
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
    void scrape() {
        try (TestServer server = TestServer.start(dir, "--rate-limit", "bucket:2:1")) {
            String token = server.login("alice", TestServer.PASSWORD);
            String before = scrape(server);
            assertTrue(before.contains("# TYPE portcullis_auth_latency_seconds histogram"), before);
            try (RecordingClient alice = server.authenticatedWith(token);
                 RecordingClient stranger = server.connect()) {
                alice.send(Wire.join("m")).awaitMessage("joined");
                alice.send(Wire.message("m", "1", "x")).awaitMessage("message");
                alice.send(Wire.message("m", "2", "y")).awaitError("rate_limited");
                stranger.auth("forged").awaitClose(1008, "Invalid token");
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
            // The test client closes and drops the socket at once: the server sees 1000 or, first, the drop (1006).
            assertEquals(1, value(after, "portcullis_closes_total{code=\"1000\"}")
                    + value(after, "portcullis_closes_total{code=\"1006\"}"));
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
