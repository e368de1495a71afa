package dev.portcullis.server;

import dev.portcullis.limit.IpGuard;
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
final class GateSocketFactory implements WebSocketServerFactory {
    /** An upgrade request is a few hundred bytes; this leaves room for cookies and long headers. */
    static final int MAX_HANDSHAKE_BYTES = 8 * 1024;

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

    GateSocketFactory(ScheduledExecutorService scheduler, Duration handshakeTimeout, IpGuard ips,
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

    /** A Java-WebSocket socket with a written-bytes counter, a heartbeat timestamp and its place in the limits. */
    final class CountingSocket extends WebSocketImpl {
        /** Incremented by the selector thread only. */
        final AtomicLong written = new AtomicLong();
        /** System.nanoTime() of the last pong (or of the open); written by the socket's worker thread. */
        volatile long lastPongNanos = System.nanoTime();
        /** Whether the {@link WriteNudger} is watching this socket. */
        final AtomicBoolean nudgeMarked = new AtomicBoolean();
        /** Bytes read before the upgrade completed; selector thread only. */
        private long handshakeBytes;
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
            }
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
            int n = counted(channel.read(dst));
            if (n > 0) {
                sweep.dataRead();
            }
            return n;
        }

        @Override
        public int readMore(ByteBuffer dst) throws IOException {
            // Called after the selector's pass over its keys: the moment the sweep waits for.
            sweep.afterPass(selector);
            return counted(channel instanceof WrappedByteChannel w && w.isNeedRead() ? w.readMore(dst) : 0);
        }

        private int counted(int n) throws IOException {
            if (n > 0 && !socket.isOpen() && (socket.handshakeBytes += n) > MAX_HANDSHAKE_BYTES) {
                // The library would keep growing its buffer for as long as the peer keeps talking.
                throw new IOException("handshake request over " + MAX_HANDSHAKE_BYTES + " bytes");
            }
            return n;
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
