package dev.portcullis.client;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One WebSocket connection of the client: the JDK listener that assembles text messages and hands each
 * whole one to the client's event thread, and the sending side, which the JDK allows one send at a
 * time. A reconnect makes a new Link; the client ignores whatever an old one still reports.
 */
final class Link implements WebSocket.Listener {
    /**
     * A server message larger than this is not buffered: the connection is dropped. The server's own
     * messages are bounded by its --max-message-bytes (64 KiB by default) plus a small envelope.
     */
    static final int MAX_MESSAGE_CHARS = 16 * 1024 * 1024;

    /** Where a Link reports; every method runs on the client's event thread. */
    interface Events {
        void text(Link link, String text);

        void closed(Link link, int code, String reason);
    }

    private final Events events;
    private final EventLoop loop;
    /** Only touched by the JDK's listener calls, which it makes one at a time. */
    private final StringBuilder partial = new StringBuilder();
    /** Set once the handshake is done, by the JDK's thread; read on the event thread. */
    private volatile WebSocket socket;
    /** The last send queued; the next one waits for it. Only accessed on the event thread. */
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);

    Link(Events events, EventLoop loop) {
        this.events = events;
        this.loop = loop;
    }

    void opened(WebSocket ws) {
        socket = ws;
    }

    boolean isOpen() {
        return socket != null;
    }

    /** Queues a text frame behind the ones queued before; a failed send shows up as the connection's close. */
    void send(String text) {
        lastSend = lastSend.thenCompose(x -> socket.sendText(text, true));
    }

    /** Starts the closing handshake once what was queued is sent. */
    void close(int code, String reason) {
        lastSend = lastSend.handle((x, e) -> null).thenCompose(x -> socket.sendClose(code, reason));
    }

    /** Drops the TCP connection without a close frame. */
    void abort() {
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    @Override
    public void onOpen(WebSocket ws) {
        socket = ws;
        ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (partial.length() > MAX_MESSAGE_CHARS) {
            partial.setLength(0);
            ws.abort();
            loop.post(() -> events.closed(this, 1009, "message from the server over " + MAX_MESSAGE_CHARS + " characters"));
            return null;
        }
        if (!last) {
            ws.request(1);
            return null;
        }
        String text = partial.toString();
        partial.setLength(0);
        // Ask for the next message only once this one is handled: a slow listener slows the reading
        // (and the server sees a slow consumer) instead of piling messages up in this process.
        loop.post(() -> {
            try {
                events.text(this, text);
            } finally {
                ws.request(1);
            }
        });
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        ws.request(1); // the server never sends binary frames (protocol.md §1)
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
        loop.post(() -> events.closed(this, code, reason));
        return null; // the JDK then echoes the close
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        loop.post(() -> events.closed(this, 1006, String.valueOf(error.getMessage())));
    }
}
