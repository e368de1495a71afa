package dev.portcullis.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client side of one WebSocket, non-blocking, driven by its {@link Loop}: the upgrade request, masked
 * client frames, server frames parsed in place (RFC 6455 §5). Pings are answered, a close frame is
 * echoed. Everything here runs on the loop thread.
 */
final class WsClient {
    /** A server frame bigger than this is a broken server, not a benchmark. */
    private static final int MAX_FRAME_BYTES = 16 << 20;
    private static final int INITIAL_READ_BYTES = 4096;
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private enum State { CONNECTING, UPGRADING, OPEN, CLOSED }

    private final Loop loop;
    private final InetSocketAddress address;
    private final String path;
    private WsHandler handler;
    private SocketChannel channel;
    private SelectionKey key;
    private State state = State.CONNECTING;
    private ByteBuffer in = ByteBuffer.allocate(INITIAL_READ_BYTES);
    /** Frames not yet taken by the kernel; OP_WRITE is on while this is not empty. */
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    /** Text fragments of a message whose first frame had no FIN; null between messages. */
    private ByteBuffer fragments;
    private boolean closeSent;
    /** When the upgrade request was handed to the kernel (System.nanoTime()); 0 before. */
    private long requestNanos;
    /** Free for the scenario: which connection this is, or its per-connection state. */
    Object attachment;

    WsClient(Loop loop, InetSocketAddress address, String path, WsHandler handler) {
        this.loop = loop;
        this.address = address;
        this.path = path;
        this.handler = handler;
    }

    void attach(SocketChannel channel, SelectionKey key) {
        this.channel = channel;
        this.key = key;
    }

    /** Hands later events to another handler: a scenario moves a connection from setup to steady state. */
    void handler(WsHandler next) {
        this.handler = next;
    }

    boolean isOpen() {
        return state == State.OPEN;
    }

    boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Sends one text message in a single masked frame. */
    void sendText(String text) {
        sendText(text.getBytes(StandardCharsets.UTF_8));
    }

    void sendText(byte[] payload) {
        send(0x1, payload);
    }

    /**
     * Sends a Ping. Also the harness's cure for a reply stuck in the server: Java-WebSocket 1.6.0 can lose
     * the write interest of a message queued while its selector thread finishes a write (BENCHMARKS.md,
     * "Stuck replies"), and the Pong is a new write that flushes it.
     */
    void ping() {
        send(0x9, new byte[0]);
    }

    /** Starts a closing handshake; {@link WsHandler#onClose} follows when the server answers. */
    void close(int code) {
        if (state == State.OPEN && !closeSent) {
            closeSent = true;
            send(0x8, new byte[] {(byte) (code >> 8), (byte) code});
        }
    }

    /** Drops the TCP connection at once, without a close frame and without telling the handler. */
    void abort() {
        state = State.CLOSED;
        out.clear();
        if (key != null) {
            key.cancel();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void send(int opcode, byte[] payload) {
        if (state != State.OPEN) {
            return;
        }
        int n = payload.length;
        int extended = n < 126 ? 0 : n < 65536 ? 2 : 8;
        ByteBuffer frame = ByteBuffer.allocate(2 + extended + 4 + n);
        frame.put((byte) (0x80 | opcode));
        if (extended == 0) {
            frame.put((byte) (0x80 | n));
        } else if (extended == 2) {
            frame.put((byte) (0x80 | 126)).putShort((short) n);
        } else {
            frame.put((byte) (0x80 | 127)).putLong(n);
        }
        int mask = ThreadLocalRandom.current().nextInt();
        frame.putInt(mask);
        for (int i = 0; i < n; i++) {
            frame.put((byte) (payload[i] ^ (mask >>> (24 - 8 * (i & 3)))));
        }
        frame.flip();
        write(frame);
    }

    private void write(ByteBuffer bytes) {
        if (out.isEmpty()) {
            try {
                channel.write(bytes);
            } catch (IOException e) {
                failed("write: " + e.getMessage(), System.nanoTime());
                return;
            }
            if (!bytes.hasRemaining()) {
                return;
            }
            key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
        }
        out.add(bytes);
    }

    long requestNanos() {
        return requestNanos;
    }

    void connected(long nanos) {
        state = State.UPGRADING;
        requestNanos = System.nanoTime();
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String request = "GET " + path + " HTTP/1.1\r\n"
                + "Host: " + address.getHostString() + ":" + address.getPort() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        key.interestOps(SelectionKey.OP_READ);
        out.clear();
        ByteBuffer bytes = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
        try {
            channel.write(bytes);
        } catch (IOException e) {
            failed("upgrade request: " + e.getMessage(), nanos);
            return;
        }
        if (bytes.hasRemaining()) {
            out.add(bytes);
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    /** The key is ready: connect, write or read, whichever it is. */
    void ready(SelectionKey k, long nanos) {
        if (state == State.CLOSED || !k.isValid()) {
            return;
        }
        if (k.isConnectable()) {
            try {
                channel.finishConnect();
            } catch (IOException e) {
                failed("connect: " + e.getMessage(), nanos);
                return;
            }
            connected(nanos);
            return;
        }
        if (k.isWritable()) {
            flush(nanos);
        }
        if (state != State.CLOSED && k.isValid() && k.isReadable()) {
            read(nanos);
        }
    }

    private void flush(long nanos) {
        try {
            while (!out.isEmpty()) {
                ByteBuffer head = out.peek();
                channel.write(head);
                if (head.hasRemaining()) {
                    return;
                }
                out.poll();
            }
        } catch (IOException e) {
            failed("write: " + e.getMessage(), nanos);
            return;
        }
        key.interestOps(SelectionKey.OP_READ);
    }

    private void read(long nanos) {
        int n;
        try {
            n = channel.read(in);
        } catch (IOException e) {
            failed("read: " + e.getMessage(), nanos);
            return;
        }
        if (n < 0) {
            failed("end of stream", nanos);
            return;
        }
        in.flip();
        if (state == State.UPGRADING && !upgrade(nanos)) {
            in.compact();
            return;
        }
        while (state == State.OPEN && frame(nanos)) {
            // one frame per turn of this loop
        }
        if (state != State.CLOSED) {
            in.compact();
            if (!in.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
                in.flip();
                in = bigger.put(in);
            }
        }
    }

    /** Consumes the 101 response once it is complete; false while more bytes are needed. */
    private boolean upgrade(long nanos) {
        byte[] a = in.array();
        int end = indexOf(a, in.position(), in.limit(), HEADER_END);
        if (end < 0) {
            if (in.remaining() > 16384) {
                failed("upgrade response too long", nanos);
            }
            return false;
        }
        String head = new String(a, in.position(), end - in.position(), StandardCharsets.ISO_8859_1);
        in.position(end + HEADER_END.length);
        if (!head.startsWith("HTTP/1.1 101")) {
            failed("upgrade refused: " + head.lines().findFirst().orElse(""), nanos);
            return false;
        }
        state = State.OPEN;
        handler.onOpen(this, nanos);
        return state == State.OPEN;
    }

    /** Handles the frame at the buffer's position if all of it is there; false if more bytes are needed. */
    private boolean frame(long nanos) {
        int p = in.position();
        int avail = in.remaining();
        if (avail < 2) {
            return false;
        }
        byte[] a = in.array();
        int b0 = a[p] & 0xFF;
        int b1 = a[p + 1] & 0xFF;
        if ((b1 & 0x80) != 0) {
            protocolError("masked server frame", nanos);
            return false;
        }
        long length = b1 & 0x7F;
        int header = 2;
        if (length == 126) {
            header = 4;
            if (avail < header) {
                return false;
            }
            length = ((a[p + 2] & 0xFF) << 8) | (a[p + 3] & 0xFF);
        } else if (length == 127) {
            header = 10;
            if (avail < header) {
                return false;
            }
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | (a[p + 2 + i] & 0xFF);
            }
        }
        if (length < 0 || length > MAX_FRAME_BYTES) {
            protocolError("server frame of " + length + " bytes", nanos);
            return false;
        }
        int total = header + (int) length;
        if (avail < total) {
            if (in.capacity() < total) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(total, in.capacity() * 2));
                bigger.put(in);
                bigger.flip();
                in = bigger;
            }
            return false;
        }
        in.position(p + total);
        int off = p + header;
        int len = (int) length;
        boolean fin = (b0 & 0x80) != 0;
        switch (b0 & 0x0F) {
            case 0x1 -> {
                if (fin) {
                    handler.onText(this, a, off, len, nanos);
                } else {
                    fragments = ByteBuffer.allocate(Math.max(len * 2, 256)).put(a, off, len);
                }
            }
            case 0x0 -> continuation(a, off, len, fin, nanos);
            case 0x8 -> {
                int code = len >= 2 ? ((a[off] & 0xFF) << 8) | (a[off + 1] & 0xFF) : 1005;
                String reason = len > 2 ? new String(a, off + 2, len - 2, StandardCharsets.UTF_8) : "";
                if (!closeSent) {
                    closeSent = true;
                    send(0x8, new byte[] {(byte) (code >> 8), (byte) code});
                }
                if (state == State.CLOSED) {
                    return false; // the echo could not be written, and that was reported
                }
                abort();
                handler.onClose(this, code, reason, nanos);
                return false;
            }
            case 0x9 -> send(0xA, Arrays.copyOfRange(a, off, off + len));
            default -> {
                // pong and binary frames carry nothing a scenario needs
            }
        }
        return true;
    }

    private void continuation(byte[] a, int off, int len, boolean fin, long nanos) {
        if (fragments == null) {
            protocolError("continuation without a first frame", nanos);
            return;
        }
        if (fragments.remaining() < len) {
            ByteBuffer bigger = ByteBuffer.allocate((fragments.position() + len) * 2);
            fragments.flip();
            fragments = bigger.put(fragments);
        }
        fragments.put(a, off, len);
        if (fin) {
            ByteBuffer whole = fragments;
            fragments = null;
            handler.onText(this, whole.array(), 0, whole.position(), nanos);
        }
    }

    private void protocolError(String what, long nanos) {
        failed("protocol error: " + what, nanos);
    }

    /** The connection is over without a close frame: the handler hears 1006. */
    void failed(String why, long nanos) {
        if (state == State.CLOSED) {
            return;
        }
        abort();
        handler.onClose(this, 1006, why, nanos);
    }

    private static int indexOf(byte[] a, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (a[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
