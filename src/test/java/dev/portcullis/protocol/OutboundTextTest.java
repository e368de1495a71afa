package dev.portcullis.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A broadcast is encoded once and every recipient gets the same bytes (issue: rooms, item 6). */
class OutboundTextTest {
    @Test
    @DisplayName("the wire form is built once, and every send gets its own view of the same bytes")
    void encodedOnce() {
        AtomicInteger encodings = new AtomicInteger();
        OutboundText message = new OutboundText("{\"type\":\"message\"}");
        ByteBuffer first = message.frame(text -> {
            encodings.incrementAndGet();
            return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        });
        first.get(new byte[5]); // a reader moving its position must not disturb the others
        ByteBuffer second = message.frame(text -> {
            encodings.incrementAndGet();
            return ByteBuffer.allocate(0);
        });
        assertEquals(1, encodings.get());
        assertSame(first.array(), second.array());
        assertEquals(0, second.position());
        assertEquals(message.text().length(), second.remaining());
    }
}
