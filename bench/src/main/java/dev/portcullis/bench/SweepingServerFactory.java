package dev.portcullis.bench;

import dev.portcullis.websocket.SelectedKeySweep;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.WrappedByteChannel;
import org.java_websocket.drafts.Draft;

/**
 * For the benchmark's control run only ({@code ./run.sh bench --baseline-sweep}): the library's own
 * sockets, with nothing of Portcullis's but its {@link SelectedKeySweep}, the same class the gate uses. It
 * lets the bare baseline run without the library's stale selected keys too, so the ratio can show the
 * gate's own cost apart from that workaround.
 */
final class SweepingServerFactory implements WebSocketServerFactory {
    private final SelectedKeySweep sweep = new SelectedKeySweep();

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter a, Draft d) {
        return new WebSocketImpl(a, d);
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter a, List<Draft> drafts) {
        return new WebSocketImpl(a, drafts);
    }

    @Override
    public void close() {
        // nothing to release
    }

    @Override
    public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) {
        return new Sweeping(channel, key.selector(), sweep);
    }

    /** A plain socket that takes part in the sweep, as the gate's counting channel does. */
    private record Sweeping(SocketChannel channel, Selector selector, SelectedKeySweep sweep) implements WrappedByteChannel {
        @Override
        public int read(ByteBuffer dst) throws IOException {
            int n = channel.read(dst);
            if (n > 0) {
                sweep.dataRead();
            }
            return n;
        }

        @Override
        public int readMore(ByteBuffer dst) {
            sweep.afterPass(selector);
            return 0;
        }

        @Override
        public boolean isNeedRead() {
            return sweep.claim();
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return channel.write(src);
        }

        @Override
        public boolean isNeedWrite() {
            return false;
        }

        @Override
        public void writeMore() {
            // nothing buffered here
        }

        @Override
        public boolean isBlocking() {
            return channel.isBlocking();
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
}
