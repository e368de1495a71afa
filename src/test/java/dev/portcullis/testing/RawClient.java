package dev.portcullis.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client written on a bare socket, for what a polite client never does: stop reading, never
 * answer pings, send hand-made frames. Nothing happens unless the test asks for it.
 */
public final class RawClient implements AutoCloseable {
    /** One frame as it arrived. */
    public record Frame(int opcode, boolean fin, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** For a close frame: its status code, or -1 if it has none. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
        }

        public String closeReason() {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }
    }

    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Opens TCP only; {@code receiveBuffer} &gt; 0 shrinks the socket's receive buffer first. */
    public static RawClient open(int port, int receiveBuffer) {
        return openFrom(null, port, receiveBuffer);
    }

    /** Opens TCP from {@code localAddress} (e.g. 127.0.0.2, a second loopback address), or any if null. */
    public static RawClient openFrom(String localAddress, int port, int receiveBuffer) {
        try {
            Socket s = new Socket();
            if (localAddress != null) {
                s.bind(new InetSocketAddress(localAddress, 0));
            }
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout((int) RecordingClient.TIMEOUT.toMillis());
            return new RawClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens TCP and completes the upgrade. */
    public static RawClient connect(int port) {
        return connect(port, 0);
    }

    public static RawClient connect(int port, int receiveBuffer) {
        RawClient c = open(port, receiveBuffer);
        c.handshake(port);
        return c;
    }

    private void handshake(int port) {
        String response = upgrade(port);
        assertTrue(response.startsWith("HTTP/1.1 101"), response);
    }

    /** Sends an upgrade request with {@code extraHeaders} (whole lines, no CRLF) and returns the response head. */
    public String upgrade(int port, String... extraHeaders) {
        return upgradePath(port, "/", extraHeaders);
    }

    /** {@link #upgrade} for a given request target, such as {@code /?ticket=..}. */
    public String upgradePath(int port, String target, String... extraHeaders) {
        StringBuilder req = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        for (String h : extraHeaders) {
            req.append(h).append("\r\n");
        }
        writeRaw(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        return readHead();
    }

    /** Reads an HTTP response head, up to and including its blank line. */
    public String readHead() {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    public RawClient writeRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A complete, masked frame, as RFC 6455 requires of clients. */
    public static byte[] frame(int opcode, boolean fin, byte[] payload, boolean masked) {
        int n = payload.length;
        ByteBuffer b = ByteBuffer.allocate(14 + n);
        b.put((byte) ((fin ? 0x80 : 0) | opcode));
        int maskBit = masked ? 0x80 : 0;
        if (n < 126) {
            b.put((byte) (maskBit | n));
        } else if (n <= 0xFFFF) {
            b.put((byte) (maskBit | 126)).putShort((short) n);
        } else {
            b.put((byte) (maskBit | 127)).putLong(n);
        }
        byte[] key = new byte[4];
        if (masked) {
            ThreadLocalRandom.current().nextBytes(key);
            b.put(key);
        }
        for (int i = 0; i < n; i++) {
            b.put((byte) (payload[i] ^ key[i % 4]));
        }
        byte[] wire = new byte[b.position()];
        b.flip().get(wire);
        return wire;
    }

    public RawClient sendText(String text) {
        return writeRaw(frame(TEXT, true, text.getBytes(StandardCharsets.UTF_8), true));
    }

    /** Reads the next frame, whatever it is; fails the test on timeout or end of stream. */
    public Frame readFrame() {
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7F;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            byte[] payload = new byte[Math.toIntExact(len)];
            in.readFully(payload);
            return new Frame(b0 & 0x0F, (b0 & 0x80) != 0, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next text frame, skipping pings (which this client never answers). */
    public String readText() {
        while (true) {
            Frame f = readFrame();
            if (f.opcode() == TEXT) {
                return f.text();
            }
            if (f.opcode() != PING) {
                throw new AssertionError("expected text, got opcode " + f.opcode() + " " + f.text());
            }
        }
    }

    /** Reads until a close frame (returned) or the end of the stream (null), skipping everything else. */
    public Frame readUntilClose() {
        try {
            while (true) {
                Frame f = readFrame();
                if (f.opcode() == CLOSE) {
                    return f;
                }
            }
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof EOFException || e.getCause() instanceof SocketTimeoutException
                    || e.getCause() instanceof SocketException) {
                return null;
            }
            throw e;
        }
    }

    /** Reads and discards whatever has arrived, without waiting; false once the server has closed the stream. */
    public boolean drainAvailable() {
        try {
            int n = in.available();
            if (n > 0) {
                in.skipNBytes(n);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads and discards until the server closes the TCP connection; fails if it stays open past the timeout.
     * Returns how many bytes came before the end.
     */
    public long awaitEndOfStream() {
        byte[] sink = new byte[8192];
        long total = 0;
        try {
            for (int n; (n = in.read(sink)) >= 0; ) {
                total += n;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open", e);
        } catch (IOException e) {
            // a reset also ends the stream
        }
        return total;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
