package dev.portcullis.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The benchmark suite at its smoke sizes: every scenario against both servers, each in a JVM of
 * its own, in seconds. It proves the harness works end to end; it asserts no figure, since a test machine's
 * timings mean nothing.
 */
@DisplayName("Benchmark harness (bench/)")
class BenchSmokeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("every scenario runs at smoke sizes against Portcullis and the baseline and prints one JSON line each")
    void everyScenarioRunsAtSmokeSizes() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Report> reports;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            reports = Bench.run(new String[] {"--smoke"}, out);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);

        // Every throttle set off (this Portcullis has them all), and the smoke sizes' one change to what is measured.
        Map<String, String> ranWith = new LinkedHashMap<>(PortcullisHome.THROTTLES);
        ranWith.put("auth-timeout", "1s");
        assertTrue(printed.contains("bench: Portcullis overrides " + ranWith + ";"), printed);
        assertEquals(Options.SCENARIOS, reports.stream().map(Report::scenario).toList(), printed);
        for (Report r : reports) {
            assertTrue(r.errors().isEmpty(), r.scenario() + " reported harness errors " + r.errors() + "\n" + printed);
        }
        List<JsonNode> lines = printed.lines().filter(l -> l.startsWith("{")).map(BenchSmokeTest::parse).toList();
        assertEquals(Options.SCENARIOS.size(), lines.size(), printed);
        for (JsonNode line : lines) {
            String scenario = line.get("scenario").asText();
            assertTrue(line.get("portcullis").size() > 0, scenario + " has Portcullis figures");
            assertTrue(line.get("baseline").size() > 0, scenario + " has baseline figures");
            assertEquals(ranWith, JSON.convertValue(line.get("portcullis_overrides"), Map.class),
                    scenario + " prints the overrides it ran with");
            assertTrue(line.get("ok").asBoolean(), scenario + ": " + line);
        }
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }
}
