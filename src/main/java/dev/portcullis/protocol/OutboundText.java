package dev.portcullis.protocol;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Function;

/**
 * One encoded server message, ready to go to any number of connections. The transport's wire form (the
 * WebSocket frame) is built by the first connection that sends it and reused by every other, so a room
 * broadcast encodes once and shares the same bytes.
 */
public final class OutboundText {
    private final String text;
    /** Built at most a few times under a race, then shared; written by any sending thread. */
    private volatile ByteBuffer frame;

    public OutboundText(String text) {
        this.text = Objects.requireNonNull(text);
    }

    public String text() {
        return text;
    }

    /** The transport's encoding of this message, built by {@code encoder} on first use; a private view of it. */
    public ByteBuffer frame(Function<String, ByteBuffer> encoder) {
        ByteBuffer f = frame;
        if (f == null) {
            // Not read-only: Java-WebSocket calls array() on every buffer it queues.
            f = encoder.apply(text);
            frame = f;
        }
        return f.duplicate();
    }

    @Override
    public String toString() {
        return text;
    }
}
