package dev.portcullis.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The one room-name rule the server and the Java client both check (protocol.md §4.4). */
class RoomNameTest {
    @Test
    @DisplayName("§4.4: a room name is 1-64 characters of A-Z a-z 0-9 . _ : -, and the rule's text says so")
    void rule() {
        for (String good : List.of("a", "lobby", "a.b_c:d-" + "9".repeat(56), "Z".repeat(64))) {
            assertTrue(RoomName.isValid(good), good);
        }
        for (String bad : List.of("", "x".repeat(65), "with space", "slash/room", "ünïcode", "star*", "tab\t")) {
            assertFalse(RoomName.isValid(bad), bad);
        }
        assertFalse(RoomName.isValid(null));
        assertEquals("room names are 1-64 characters of A-Z a-z 0-9 . _ : -", RoomName.RULE);
    }
}
