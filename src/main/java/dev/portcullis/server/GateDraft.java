package dev.portcullis.server;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.InvalidFrameException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.TextFrame;

/**
 * RFC 6455 as Java-WebSocket 1.6.0 implements it, plus what it leaves out for a server facing hostile peers:
 * no extensions (permessage-deflate stays off, so nothing inflates), unmasked client frames refused with
 * 1002 (§5.1), and the size limit applied to a fragmented message as its fragments arrive, not only at
 * its end. Frames encoded once for many connections pass through as they are. One instance per
 * connection (the library copies it), used by that connection's decoding thread only.
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

    /** Payload bytes of the fragmented message being reassembled, 0 between messages. */
    private long reassembled;
    /** Header bytes of the next frame seen so far; a header is at most 14 bytes. */
    private final byte[] header = new byte[14];
    private int headerLength;
    /** Payload bytes of the current frame still to pass before the next header starts. */
    private long payloadToSkip;

    GateDraft(int maxFrameBytes) {
        super(Collections.emptyList(), maxFrameBytes);
    }

    @Override
    public List<Framedata> translateFrame(ByteBuffer buffer) throws InvalidDataException {
        requireMasked(buffer);
        try {
            return super.translateFrame(buffer);
        } catch (RuntimeException e) {
            // 1.6.0 throws NullPointerException on a close frame whose reason is not UTF-8, and then leaves
            // the connection open with the rest of the buffer unread. Anything unchecked here is a frame it
            // could not parse: fail the connection as RFC 6455 says, instead of hanging.
            throw new InvalidFrameException("Malformed frame", e);
        }
    }

    /**
     * Follows frame boundaries over the raw bytes (the library parses the mask bit but never checks it) and
     * refuses the first header without a mask. Reads ahead without moving the buffer's position.
     */
    private void requireMasked(ByteBuffer buffer) throws InvalidFrameException {
        int i = buffer.position();
        int end = buffer.limit();
        while (i < end) {
            if (payloadToSkip > 0) {
                int n = (int) Math.min(payloadToSkip, end - i);
                i += n;
                payloadToSkip -= n;
                continue;
            }
            header[headerLength++] = buffer.get(i++);
            if (headerLength < 2) {
                continue;
            }
            if ((header[1] & 0x80) == 0) {
                throw new InvalidFrameException("Unmasked client frame");
            }
            int lengthCode = header[1] & 0x7F;
            int extended = lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0;
            if (headerLength < 2 + extended + 4) {
                continue;
            }
            long length = lengthCode;
            if (extended > 0) {
                length = 0;
                for (int k = 0; k < extended; k++) {
                    length = (length << 8) | (header[2 + k] & 0xFF);
                }
            }
            // A negative 64-bit length is rejected by the library as too large; skip "forever" meanwhile.
            payloadToSkip = length < 0 ? Long.MAX_VALUE : length;
            headerLength = 0;
        }
    }

    @Override
    public void processFrame(WebSocketImpl socket, Framedata frame) throws InvalidDataException {
        Opcode op = frame.getOpcode();
        int size = frame.getPayloadData().remaining();
        if ((op == Opcode.TEXT || op == Opcode.BINARY) && !frame.isFin()) {
            reassembled = size;
        } else if (op == Opcode.CONTINUOUS) {
            reassembled += size;
            if (reassembled > getMaxFrameSize()) {
                throw new LimitExceededException("Message too big", getMaxFrameSize());
            }
            if (frame.isFin()) {
                reassembled = 0;
            }
        }
        super.processFrame(socket, frame);
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
