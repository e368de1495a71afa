package dev.portcullis.websocket;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.InvalidFrameException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.TextFrame;
import org.java_websocket.handshake.Handshakedata;

/**
 * RFC 6455 as Java-WebSocket 1.6.0 implements it, plus what it leaves out for a server facing hostile peers:
 * no extensions (permessage-deflate stays off, so nothing inflates), unmasked client frames refused with
 * 1002 (§5.1), and the size and fragment-count limits applied to a fragmented message as its fragments
 * arrive, not only at its end. It also keeps the connection's accounts: every byte encoded for sending,
 * control frames and the upgrade response included, and what the reassembly holds. Frames encoded once
 * for many connections pass through as they are. One instance per connection (the library copies it).
 */
final class StrictDraft extends Draft_6455 {

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

    /**
     * What the library keeps per fragment besides its payload (a frame object, a ByteBuffer and a list slot):
     * without counting it, millions of empty fragments would never pass the size limit.
     */
    static final int FRAGMENT_COST = 128;
    /** Fragments allowed per message for each byte of this many in the message limit. */
    private static final int BYTES_PER_FRAGMENT = 512;
    /** Fragments allowed per message however small the message limit. */
    private static final int MIN_FRAGMENTS = 16;

    private final int maxFragments;
    /** Wire bytes of every frame and handshake response encoded for this connection; any sending thread adds. */
    private final AtomicLong encoded = new AtomicLong();
    /** Payload bytes of the fragmented message being reassembled, 0 between messages; decoding thread only. */
    private long reassembled;
    /** Fragments of that message so far; decoding thread only. */
    private int fragments;
    /** Memory the reassembly holds, payload and fragment costs; written by the decoding thread, read by any. */
    private volatile long reassemblyHeld;
    /** Header bytes of the next frame seen so far; a header is at most 14 bytes. */
    private final byte[] header = new byte[14];
    private int headerLength;
    /** Payload bytes of the current frame still to pass before the next header starts. */
    private long payloadToSkip;

    StrictDraft(int maxFrameBytes) {
        super(Collections.emptyList(), maxFrameBytes);
        this.maxFragments = maxFragments(maxFrameBytes);
    }

    /** One fragment per {@value #BYTES_PER_FRAGMENT} bytes of the message limit, at least {@value #MIN_FRAGMENTS}. */
    static int maxFragments(int maxMessageBytes) {
        return Math.max(MIN_FRAGMENTS, maxMessageBytes / BYTES_PER_FRAGMENT);
    }

    /** Bytes encoded for sending so far; with the bytes written, what is still queued. */
    long encodedBytes() {
        return encoded.get();
    }

    /** Memory held for a fragmented message not yet complete. */
    long reassemblyBytes() {
        return reassemblyHeld;
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
            fragments = 1;
        } else if (op == Opcode.CONTINUOUS) {
            reassembled += size;
            fragments++;
            if (reassembled > getMaxFrameSize()) {
                throw new LimitExceededException("Message too big", getMaxFrameSize());
            }
            if (fragments > maxFragments) {
                throw new LimitExceededException("Too many fragments", maxFragments);
            }
        }
        reassemblyHeld = reassembled + (long) fragments * FRAGMENT_COST;
        try {
            super.processFrame(socket, frame);
        } finally {
            if (op == Opcode.CONTINUOUS && frame.isFin()) {
                reassembled = 0;
                fragments = 0;
                reassemblyHeld = 0;
            }
        }
    }

    @Override
    public ByteBuffer createBinaryFrame(Framedata framedata) {
        ByteBuffer wire = framedata instanceof PreEncodedFrame pre ? pre.wire.duplicate()
                : super.createBinaryFrame(framedata);
        encoded.addAndGet(wire.remaining());
        return wire;
    }

    @Override
    public List<ByteBuffer> createHandshake(Handshakedata handshake, boolean withContent) {
        List<ByteBuffer> wire = super.createHandshake(handshake, withContent);
        for (ByteBuffer b : wire) {
            encoded.addAndGet(b.remaining());
        }
        return wire;
    }

    @Override
    public Draft copyInstance() {
        return new StrictDraft(getMaxFrameSize());
    }
}
