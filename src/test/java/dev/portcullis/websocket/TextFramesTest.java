package dev.portcullis.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Server text frames follow RFC 6455 §5.2 at every length boundary. */
class TextFramesTest {
    @ParameterizedTest(name = "payload of {0} bytes")
    @ValueSource(ints = {0, 1, 125, 126, 65535, 65536, 70000})
    void headerMatchesLength(int n) {
        ByteBuffer f = TextFrames.encode("a".repeat(n));
        assertEquals(0x81, f.get() & 0xFF, "FIN and text opcode");
        int b1 = f.get() & 0xFF;
        assertEquals(0, b1 & 0x80, "a server never masks");
        long len = b1 & 0x7F;
        if (len == 126) {
            len = f.getShort() & 0xFFFF;
        } else if (len == 127) {
            len = f.getLong();
        }
        assertEquals(n, len);
        assertEquals(n, f.remaining());
        int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
        assertEquals(header, f.position());
    }
}
