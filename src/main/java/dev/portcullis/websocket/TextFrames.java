package dev.portcullis.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** RFC 6455 §5.2 framing of one unfragmented, unmasked text message, as a server sends it. */
final class TextFrames {
    private static final byte FIN_TEXT = (byte) 0x81;

    private TextFrames() {
    }

    static ByteBuffer encode(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int n = payload.length;
        int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
        ByteBuffer frame = ByteBuffer.allocate(header + n);
        frame.put(FIN_TEXT);
        if (n < 126) {
            frame.put((byte) n);
        } else if (n <= 0xFFFF) {
            frame.put((byte) 126).putShort((short) n);
        } else {
            frame.put((byte) 127).putLong(n);
        }
        return frame.put(payload).flip();
    }
}
