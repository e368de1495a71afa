package dev.portcullis.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests the duration, size and integer parsers behind every option value. */
@DisplayName("Values")
class ValuesTest {

    @ParameterizedTest(name = "\"{0}\" is {1} milliseconds")
    @CsvSource({
            "250ms, 250",
            "5s, 5000",
            "10m, 600000",
            "1h, 3600000",
            "2d, 172800000",
            "PT5S, 5000",
            "PT1M30S, 90000",
            "pt2h, 7200000",
            "' 5s ', 5000"
    })
    @DisplayName("A duration with a unit suffix or an ISO-8601 text parses to the right length")
    void parsesDurations(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Values.duration(text));
    }

    @ParameterizedTest(name = "\"{0}\" is rejected")
    @ValueSource(strings = {"", "soon", "5x", "5 s", "1.5s", "-5s", "s", "ms5", "P", "PTxS", "5sec"})
    @DisplayName("A text that is not a duration is rejected with a message quoting it")
    void rejectsBadDurations(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Values.duration(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @ParameterizedTest(name = "\"{0}\" is rejected for its missing unit")
    @ValueSource(strings = {"5", "0", " 30 ", "3600"})
    @DisplayName("An option's duration without a unit is refused with the forms it may take, not read as seconds")
    void rejectsBareNumbers(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Values.duration(text));
        assertTrue(e.getMessage().contains("no unit"), e.getMessage());
        assertTrue(e.getMessage().contains("250ms, 5s, 10m, 1h, 2d"), e.getMessage());
    }

    @Test
    @DisplayName("The admin API's duration still takes a bare number of seconds (protocol.md §12.3)")
    void adminDurationTakesSeconds() {
        assertEquals(Duration.ofSeconds(30), Values.durationOrSeconds("30"));
        assertEquals(Duration.ofHours(2), Values.durationOrSeconds("2h"));
    }

    @ParameterizedTest(name = "\"{0}\" is {1} bytes")
    @CsvSource({
            "65536, 65536",
            "64KiB, 65536",
            "1MiB, 1048576",
            "1024B, 1024",
            "2047MiB, 2146435072",
            "1GiB, 1073741824",
            "' 64KiB ', 65536"
    })
    @DisplayName("A size in bytes, KiB, MiB or GiB parses to the right byte count")
    void parsesSizes(String text, int bytes) {
        assertEquals(bytes, Values.size(text));
    }

    @ParameterizedTest(name = "\"{0}\" is rejected")
    @ValueSource(strings = {"", "64KB", "64k", "64kib", "1.5MiB", "-1", "MiB", "64 KiB", "1GB"})
    @DisplayName("A text that is not a size is rejected with a message quoting it")
    void rejectsBadSizes(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Values.size(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @ParameterizedTest(name = "\"{0}\" is rejected as too large")
    @ValueSource(strings = {"2048MiB", "2097152KiB", "2147483648", "18014398509482048KiB", "99999999999999999999"})
    @DisplayName("A size that does not fit in an int is rejected instead of wrapping around")
    void rejectsSizesAboveIntRange(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Values.size(text));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    @DisplayName("A memory budget is any size, or auto: two fifths of the heap this JVM may grow to")
    void memoryBudgets() {
        assertEquals(8L * 1024 * 1024 * 1024, Values.memoryBudget("8GiB"));
        assertEquals(Runtime.getRuntime().maxMemory() / 5 * 2, Values.memoryBudget("auto"));
        assertThrows(IllegalArgumentException.class, () -> Values.memoryBudget("lots"));
    }

    @ParameterizedTest(name = "\"{0}\" is rejected as too large")
    @ValueSource(strings = {"999999999999999d", "99999999999999999999s", "9223372036854775807h"})
    @DisplayName("A duration too large for java.time is rejected with a clear message, not an ArithmeticException")
    void rejectsHugeDurations(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Values.duration(text));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    @DisplayName("A whole number parses and anything else is rejected with a message quoting it")
    void parsesIntegers() {
        assertEquals(8080, Values.integer(" 8080 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Values.integer("80a"));
        assertTrue(e.getMessage().contains("'80a'"), e.getMessage());
    }

    @Test
    @DisplayName("Formatting a duration writes it the way options are written")
    void formatsDurations() {
        assertEquals("250ms", Values.format(Duration.ofMillis(250)));
        assertEquals("5s", Values.format(Duration.ofSeconds(5)));
        assertEquals("10m", Values.format(Duration.ofMinutes(10)));
        assertEquals("1h", Values.format(Duration.ofHours(1)));
        assertEquals("90s", Values.format(Duration.ofSeconds(90)));
    }
}
