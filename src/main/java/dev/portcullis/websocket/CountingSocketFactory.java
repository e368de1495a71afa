package dev.portcullis.websocket;

import dev.portcullis.limit.IpGuard;
import dev.portcullis.net.Tls;
import dev.portcullis.session.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.java_websocket.SSLSocketChannel2;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.WrappedByteChannel;
import org.java_websocket.drafts.Draft;
import org.java_websocket.framing.CloseFrame;

/**
 * Makes sockets that count the bytes the selector thread has handed to the kernel, so a connection knows
 * how much it has queued but not yet written (Java-WebSocket's own outbound queue is unbounded), and that
 * cannot linger before their upgrade: Java-WebSocket never times out or bounds an unfinished handshake.
 */
final class CountingSocketFactory implements WebSocketServerFactory {
    /** An upgrade request is a few hundred bytes; this leaves room for cookies and long headers. */
    static final int MAX_HANDSHAKE_BYTES = 8 * 1024;
    /** The blank line that ends an HTTP request's headers; an upgrade request has no body. */
    private static final byte[] REQUEST_END = {'\r', '\n', '\r', '\n'};

    private final ScheduledExecutorService scheduler;
    private final Duration handshakeTimeout;
    private final IpGuard ips;
    /** Sockets not yet authenticated, for {@code --max-pending-connections}. */
    private final PendingConnections<CountingSocket> pending;
    /** Sockets accepted and not yet released, for {@code --max-connections}. */
    private final AtomicInteger open = new AtomicInteger();

    /** One per server, like its selector thread. */
    private final SelectedKeySweep sweep = new SelectedKeySweep();

    /** Null for plain {@code ws://}. */
    private final SSLContext tls;
    /** Runs the TLS engine's delegated tasks (certificate work), off the selector thread. */
    private final ExecutorService tlsTasks;

    CountingSocketFactory(ScheduledExecutorService scheduler, Duration handshakeTimeout, IpGuard ips,
                          PendingConnections<CountingSocket> pending, SSLContext tls, ExecutorService tlsTasks) {
        this.pending = pending;
        this.tls = tls;
        this.tlsTasks = tlsTasks;
        this.scheduler = scheduler;
        this.handshakeTimeout = handshakeTimeout;
        this.ips = ips;
    }

    int openSockets() {
        return open.get();
    }

    /** Keys removed from the selector's selected-key set so far (see {@link SelectedKeySweep}). */
    long sweptKeys() {
        return sweep.removed();
    }

    /**
     * What the library keeps per queued frame besides its bytes (a queue node and a ByteBuffer view): a peer
     * must not get thousands of tiny frames queued for free.
     */
    static final int QUEUED_FRAME_COST = 80;

    /** A Java-WebSocket socket with a written-bytes counter, a heartbeat timestamp and its place in the limits. */
    final class CountingSocket extends WebSocketImpl {
        /** Incremented by the selector thread only. */
        final AtomicLong written = new AtomicLong();
        /** System.nanoTime() of the last pong (or of the open); written by the socket's worker thread. */
        volatile long lastPongNanos = System.nanoTime();
        /** Pings and pongs this peer may still send, made at its first; its decoding thread only. */
        private ControlFrameLimit controlFrames;
        /** Whether the {@link WriteNudger} is watching this socket. */
        final AtomicBoolean nudgeMarked = new AtomicBoolean();
        /** Bytes of the upgrade request read so far; selector thread only. */
        private long handshakeBytes;
        /** How much of {@link #REQUEST_END} the last bytes read match; selector thread only. */
        private int requestEndMatched;
        /** Whether the blank line ending the upgrade request has been read; selector thread only. */
        private boolean requestEnded;
        /** Closes the socket if the upgrade has not completed in time; cancelled on open. */
        private volatile ScheduledFuture<?> handshakeDeadline;
        /** The client's address: the TCP peer, or behind a trusted proxy the one it forwards. */
        volatile String clientIp;
        /** The address this socket counts against while it has not authenticated; null once released. */
        private final AtomicReference<String> pendingIp = new AtomicReference<>();
        private final AtomicBoolean released = new AtomicBoolean();

        /** Counts this socket as pending for {@code ip} instead of the address it counted for so far. */
        void pendingFor(String ip) {
            clientIp = ip;
            ips.pendingStarted(ip);
            String before = pendingIp.getAndSet(ip);
            if (before != null) {
                ips.pendingEnded(before);
            }
        }

        /** It authenticated or closed: it no longer counts as pending. */
        void endPending() {
            pending.remove(this);
            String ip = pendingIp.getAndSet(null);
            if (ip != null) {
                ips.pendingEnded(ip);
            }
        }

        /** It is gone: release every count it held, once. */
        void release() {
            if (released.compareAndSet(false, true)) {
                endPending();
                open.decrementAndGet();
                // Nothing more will be written; whoever still holds the socket (a room) need not hold its queue.
                outQueue.clear();
            }
        }

        /**
         * Memory queued for this peer and not yet handed to the kernel: every frame, pongs, pings and close
         * frames included, each with its {@link #QUEUED_FRAME_COST}. Any thread.
         */
        long queuedBytes() {
            if (!(getDraft() instanceof StrictDraft draft)) {
                return 0; // still in its upgrade: nothing but an error response is ever queued
            }
            return Math.max(0, draft.encodedBytes() - written.get()) + (long) outQueue.size() * QUEUED_FRAME_COST;
        }

        /**
         * Everything this peer makes the server hold: its queue, a fragmented message being reassembled, and its
         * messages waiting to be handled (only a stalled cluster makes them wait).
         */
        long heldBytes() {
            Session session = getAttachment();
            return queuedBytes() + (getDraft() instanceof StrictDraft draft ? draft.reassemblyBytes() : 0)
                    + (session == null ? 0 : session.inbox().pendingBytes());
        }

        /** Whether one more ping or pong from this peer is allowed ({@link ControlFrameLimit}); decoding thread. */
        boolean controlFrameAllowed(boolean authenticated, long nowNanos) {
            if (controlFrames == null) {
                // Most connections never send one before their first heartbeat: no object for them until then.
                controlFrames = new ControlFrameLimit();
            }
            return controlFrames.allow(authenticated, nowNanos);
        }

        void handshakeDone() {
            ScheduledFuture<?> deadline = handshakeDeadline;
            if (deadline != null) {
                deadline.cancel(false);
                // Let go of the cancelled task: 10,000 idle connections would otherwise keep 10,000 of them.
                handshakeDeadline = null;
            }
        }

        CountingSocket(WebSocketAdapter listener, List<Draft> drafts) {
            super(listener, drafts);
        }
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter a, Draft d) {
        return createWebSocket(a, List.of(d));
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter a, List<Draft> d) {
        CountingSocket socket = new CountingSocket(a, d);
        socket.handshakeDeadline = scheduler.schedule(() -> {
            if (!socket.isOpen() && !socket.isClosed()) {
                socket.closeConnection(CloseFrame.NEVER_CONNECTED, "Handshake timeout");
            }
        }, handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return socket;
    }

    @Override
    public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) throws IOException {
        // The library registers the socket as the key's attachment before it asks for the channel.
        CountingSocket socket = (CountingSocket) key.attachment();
        open.incrementAndGet();
        // Counted from the accept, so half-finished handshakes count against their address too.
        socket.pendingFor(channel.socket().getInetAddress().getHostAddress());
        pending.admit(socket);
        ByteChannel inner = channel;
        if (tls != null) {
            SSLEngine engine = tls.createSSLEngine();
            engine.setUseClientMode(false);
            engine.setSSLParameters(Tls.parameters(tls));
            inner = new SSLSocketChannel2(channel, engine, tlsTasks, key);
        }
        return new CountingChannel(inner, socket, key.selector(), sweep);
    }

    /**
     * Counts written bytes and caps the upgrade request, over the plain socket or over TLS; it passes on
     * what the library asks of a TLS channel through {@link WrappedByteChannel}, and takes part in the
     * {@link SelectedKeySweep} through the same calls.
     */
    private static final class CountingChannel implements WrappedByteChannel {
        private final ByteChannel channel;
        private final CountingSocket socket;
        private final Selector selector;
        private final SelectedKeySweep sweep;

        CountingChannel(ByteChannel channel, CountingSocket socket, Selector selector, SelectedKeySweep sweep) {
            this.channel = channel;
            this.socket = socket;
            this.selector = selector;
            this.sweep = sweep;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int start = dst.position();
            int n = channel.read(dst);
            if (n > 0) {
                countRequest(dst, start, n);
                sweep.dataRead();
            }
            return n;
        }

        @Override
        public int readMore(ByteBuffer dst) throws IOException {
            // Called after the selector's pass over its keys: the moment the sweep waits for.
            sweep.afterPass(selector);
            if (!(channel instanceof WrappedByteChannel w && w.isNeedRead())) {
                return 0;
            }
            int start = dst.position();
            int n = w.readMore(dst);
            if (n > 0) {
                countRequest(dst, start, n);
            }
            return n;
        }

        /**
         * Counts the bytes of the upgrade request up to the blank line that ends it: frames a client sends
         * right behind its request, in the same read, are not part of it.
         */
        private void countRequest(ByteBuffer dst, int start, int n) throws IOException {
            if (socket.requestEnded) {
                return;
            }
            int i = start;
            int end = start + n;
            while (i < end && !socket.requestEnded) {
                byte b = dst.get(i++);
                socket.requestEndMatched = b == REQUEST_END[socket.requestEndMatched] ? socket.requestEndMatched + 1
                        : b == REQUEST_END[0] ? 1 : 0;
                socket.requestEnded = socket.requestEndMatched == REQUEST_END.length;
            }
            if ((socket.handshakeBytes += i - start) > MAX_HANDSHAKE_BYTES) {
                // The library would keep growing its buffer for as long as the peer keeps talking.
                throw new IOException("handshake request over " + MAX_HANDSHAKE_BYTES + " bytes");
            }
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = channel.write(src);
            socket.written.addAndGet(n);
            return n;
        }

        @Override
        public boolean isNeedRead() {
            return channel instanceof WrappedByteChannel w && w.isNeedRead() || sweep.claim();
        }

        @Override
        public boolean isNeedWrite() {
            return channel instanceof WrappedByteChannel w && w.isNeedWrite();
        }

        @Override
        public void writeMore() throws IOException {
            if (channel instanceof WrappedByteChannel w) {
                w.writeMore();
            }
        }

        @Override
        public boolean isBlocking() {
            return channel instanceof WrappedByteChannel w && w.isBlocking();
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    @Override
    public void close() {
        // nothing to release
    }
}
