package dev.portcullis.protocol;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The JSON settings the server's codec and the Java client share (protocol.md §4.7, §10). */
class ProtocolJsonTest {
    private final ObjectMapper json = ProtocolJson.mapper();

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    @Test
    @DisplayName("§10: nesting up to 32 and number literals up to 64 characters parse; one more does not")
    void limits() {
        assertDoesNotThrow(() -> json.readTree(nested(ProtocolJson.MAX_NESTING_DEPTH)));
        assertThrows(JsonProcessingException.class, () -> json.readTree(nested(ProtocolJson.MAX_NESTING_DEPTH + 1)));
        assertDoesNotThrow(() -> json.readTree("1".repeat(ProtocolJson.MAX_NUMBER_LENGTH)));
        assertThrows(JsonProcessingException.class, () -> json.readTree("1".repeat(ProtocolJson.MAX_NUMBER_LENGTH + 1)));
    }

    @Test
    @DisplayName("§4.7: numbers keep the digits they were written with, and a second value after the first is refused")
    void exactAndSingle() throws Exception {
        assertEquals("[1.10,1E+999,12345678901234567890]", json.readTree("[1.10,1e999,12345678901234567890]").toString());
        assertThrows(JsonProcessingException.class, () -> json.readTree("1 2"));
    }

    @Test
    @DisplayName("every caller gets a mapper of its own")
    void ownMapper() {
        assertNotSame(ProtocolJson.mapper(), ProtocolJson.mapper());
    }
}
