package dev.portcullis.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.drafts.Draft;

/**
 * Makes sockets that count the bytes the selector thread has handed to the kernel, so a connection knows
 * how much it has queued but not yet written: Java-WebSocket's own outbound queue is unbounded.
 */
final class GateSocketFactory implements WebSocketServerFactory {

    /** A Java-WebSocket socket with a written-bytes counter and a heartbeat timestamp. */
    static final class CountingSocket extends WebSocketImpl {
        /** Incremented by the selector thread only. */
        final AtomicLong written = new AtomicLong();
        /** System.nanoTime() of the last pong (or of the open); written by the socket's worker thread. */
        volatile long lastPongNanos = System.nanoTime();

        CountingSocket(WebSocketAdapter listener, List<Draft> drafts) {
            super(listener, drafts);
        }
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter a, Draft d) {
        return new CountingSocket(a, List.of(d));
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter a, List<Draft> d) {
        return new CountingSocket(a, d);
    }

    @Override
    public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) {
        // The library registers the socket as the key's attachment before it asks for the channel.
        AtomicLong written = ((CountingSocket) key.attachment()).written;
        return new ByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                return channel.read(dst);
            }

            @Override
            public int write(ByteBuffer src) throws IOException {
                int n = channel.write(src);
                written.addAndGet(n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return channel.isOpen();
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    @Override
    public void close() {
        // nothing to release
    }
}
