package dev.portcullis.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.cluster.Member;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The sender key a room message carries through the cluster, by which its sender recognises its own copy
 * (protocol.md §11.2): one form written, the same read back.
 */
class PublishIdTest {
    @Test
    @DisplayName("§11.2: a message's sender key is the member key, '#' and the number, and reads back as written")
    void roundTrip() {
        Member member = new Member("alice", "4f2a9c01e3/c17");
        PublishId id = PublishId.of(member, 42);
        assertEquals("4f2a9c01e3/c17#42", id.wireForm());
        assertEquals(new Member("alice", "4f2a9c01e3/c17#42"), id.sender("alice"));
        assertEquals(Optional.of(id), PublishId.parse(id.wireForm()));
        assertEquals(Optional.of(new PublishId("i/c1", 0)), PublishId.parse("i/c1#0"));
        assertEquals(Optional.of(new PublishId("i/c1", Long.MAX_VALUE)), PublishId.parse("i/c1#" + Long.MAX_VALUE));
    }

    @Test
    @DisplayName("§11.2: a member key that holds '#' itself (an instance id may) reads back whole")
    void memberKeyWithHash() {
        for (String key : List.of("a#b/c1", "a#1/c1", "node#7/c3#", "#/c1", "x/c#12")) {
            PublishId id = new PublishId(key, 5);
            assertEquals(key + "#5", id.wireForm());
            assertEquals(Optional.of(id), PublishId.parse(id.wireForm()), key);
        }
    }

    @Test
    @DisplayName("§11.2: a key no sender here wrote names no message")
    void notWrittenHere() {
        for (String key : List.of("i/c1", "", "#", "i/c1#", "i/c1#x", "i/c1#-1", "i/c1#+1", "i/c1#007", "i/c1#1 ",
                "i/c1#" + Long.MAX_VALUE + "0", "i/c1#٣")) {
            assertTrue(PublishId.parse(key).isEmpty(), key);
        }
        assertThrows(IllegalArgumentException.class, () -> new PublishId("i/c1", -1));
        assertThrows(NullPointerException.class, () -> new PublishId(null, 1));
    }
}
