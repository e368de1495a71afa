package dev.portcullis.server;

import java.nio.ByteBuffer;
import java.util.Collections;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.TextFrame;

/**
 * RFC 6455 with our limits: no extensions (permessage-deflate stays off, so nothing inflates), a frame
 * size limit, and frames that were encoded once for many connections passed through as they are.
 */
final class GateDraft extends Draft_6455 {

    /** A text frame whose wire bytes already exist; every recipient gets a view of the same bytes. */
    static final class PreEncodedFrame extends TextFrame {
        private final ByteBuffer wire;

        PreEncodedFrame(ByteBuffer wire) {
            this.wire = wire;
        }

        int wireLength() {
            return wire.remaining();
        }
    }

    GateDraft(int maxFrameBytes) {
        super(Collections.emptyList(), maxFrameBytes);
    }

    @Override
    public ByteBuffer createBinaryFrame(Framedata framedata) {
        if (framedata instanceof PreEncodedFrame pre) {
            return pre.wire.duplicate();
        }
        return super.createBinaryFrame(framedata);
    }

    @Override
    public Draft copyInstance() {
        return new GateDraft(getMaxFrameSize());
    }
}
