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
    /** The two forms a connection may need: the plain text, or the text sealed for an encrypted session. */
    public enum Form { PLAIN, SEALED }

    private final String text;
    /** Built at most a few times under a race, then shared; written by any sending thread. */
    private volatile ByteBuffer frame;
    private volatile ByteBuffer sealedFrame;

    public OutboundText(String text) {
        this.text = Objects.requireNonNull(text);
    }

    public String text() {
        return text;
    }

    /** The transport's encoding of this message, built by {@code encoder} on first use; a private view of it. */
    public ByteBuffer frame(Function<String, ByteBuffer> encoder) {
        return frame(Form.PLAIN, encoder);
    }

    /**
     * The encoding of one form, built once per form: a room with plain and encrypted members encrypts each
     * message once, not once per member.
     */
    public ByteBuffer frame(Form form, Function<String, ByteBuffer> encoder) {
        ByteBuffer f = form == Form.PLAIN ? frame : sealedFrame;
        if (f == null) {
            // Not read-only: Java-WebSocket calls array() on every buffer it queues.
            f = encoder.apply(text);
            if (form == Form.PLAIN) {
                frame = f;
            } else {
                sealedFrame = f;
            }
        }
        return f.duplicate();
    }

    @Override
    public String toString() {
        return text;
    }
}
