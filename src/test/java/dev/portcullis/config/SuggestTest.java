package dev.portcullis.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Tests the nearest-name hints behind "did you mean" in messages. */
@DisplayName("Suggest")
class SuggestTest {
    private static final List<String> COMMANDS = List.of("serve", "hash-password", "add-user", "gen-secret", "gen-fernet-key");

    @Test
    @DisplayName("Edit distance counts insertions, deletions and substitutions")
    void distance() {
        assertEquals(0, Suggest.distance("add-user", "add-user"));
        assertEquals(1, Suggest.distance("adduser", "add-user"));
        assertEquals(2, Suggest.distance("ws-prot", "ws-port"));
        assertEquals(3, Suggest.distance("kitten", "sitting"));
        assertEquals(5, Suggest.distance("", "serve"));
    }

    @Test
    @DisplayName("The nearest name is suggested only when it is close for the input's length")
    void nearest() {
        assertEquals(Optional.of("add-user"), Suggest.nearest("adduser", COMMANDS));
        assertEquals(Optional.of("gen-secret"), Suggest.nearest("gensecret", COMMANDS));
        assertEquals(Optional.of("serve"), Suggest.nearest("srve", COMMANDS));
        assertEquals(Optional.empty(), Suggest.nearest("ab", COMMANDS), "a short word is near anything");
        assertEquals(Optional.empty(), Suggest.nearest("alice", COMMANDS));
        assertEquals("", Suggest.hint("frobnicate", COMMANDS));
        assertEquals("; did you mean add-user?", Suggest.hint("add_user", COMMANDS));
    }
}
