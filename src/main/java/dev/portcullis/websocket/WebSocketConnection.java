package dev.portcullis.websocket;

import dev.portcullis.metrics.Metrics;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.OutboundText;
import dev.portcullis.session.Connection;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.CloseFrame;

/**
 * A {@link Connection} over a Java-WebSocket socket, with the outbound bound the library lacks: bytes
 * queued but not yet written may not pass {@code maxOutboundBytes}, or the peer is a slow consumer and
 * is closed; what is queued also counts against the {@link MemoryBudget} of all peers. ({@link WebSocketListener} makes sure every close ends within the close timeout.)
 */
final class WebSocketConnection implements Connection {
    private final CountingSocketFactory.CountingSocket socket;
    private final ScheduledExecutorService scheduler;
    private final long maxOutboundBytes;
    private final MemoryBudget budget;
    private final WriteNudger nudger;
    private final Metrics metrics;
    /** Captured at open: the library forgets the address once the socket is closed. */
    private final String remote;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Seals every message on an encrypted connection; null while plaintext. Set once, at auth. */
    private volatile Function<String, String> sealer;

    WebSocketConnection(CountingSocketFactory.CountingSocket socket, ScheduledExecutorService scheduler,
                        long maxOutboundBytes, MemoryBudget budget, WriteNudger nudger, Metrics metrics) {
        this.budget = budget;
        this.nudger = nudger;
        this.metrics = metrics;
        this.socket = socket;
        this.scheduler = scheduler;
        this.maxOutboundBytes = maxOutboundBytes;
        this.remote = format(socket.getRemoteSocketAddress());
    }

    @Override
    public void send(OutboundText message) {
        if (closing.get()) {
            return;
        }
        Function<String, String> seal = sealer;
        var frame = new StrictDraft.PreEncodedFrame(seal == null ? message.frame(OutboundText.Form.PLAIN, TextFrames::encode)
                : message.frame(OutboundText.Form.SEALED, text -> TextFrames.encode(seal.apply(text))));
        enqueue(frame);
    }

    @Override
    public void sendPlain(OutboundText message) {
        if (!closing.get()) {
            enqueue(new StrictDraft.PreEncodedFrame(message.frame(OutboundText.Form.PLAIN, TextFrames::encode)));
        }
    }

    @Override
    public void sealWith(Function<String, String> sealer) {
        this.sealer = sealer;
    }

    private void enqueue(StrictDraft.PreEncodedFrame frame) {
        if (!fits(frame.wireLength())) {
            return;
        }
        try {
            socket.sendFrame(frame);
            nudger.queued(socket);
            metrics.messageOut();
        } catch (WebsocketNotConnectedException e) {
            // The peer went away while we answered; its close callback cleans up.
        }
    }

    /**
     * Whether a frame of {@code wireLength} bytes still fits under {@code --max-outbound-bytes}, counting
     * everything queued, control frames too. If not, the peer is a slow consumer: it is closed, and false.
     */
    boolean fits(int wireLength) {
        long cost = wireLength + CountingSocketFactory.QUEUED_FRAME_COST;
        if (socket.queuedBytes() + cost <= maxOutboundBytes) {
            budget.added(cost);
            return true;
        }
        // Senders may hold a room's lock, and closing takes the socket's, which the selector thread may
        // hold while it waits for that room's lock to clean up: close from the scheduler instead.
        if (closing.compareAndSet(false, true)) {
            scheduler.execute(() -> socket.close(CloseReason.SLOW_CONSUMER.code(), CloseReason.SLOW_CONSUMER.reason()));
        }
        return false;
    }

    @Override
    public void close(int code, String reason) {
        if (closing.compareAndSet(false, true)) {
            socket.close(code, reason);
        }
    }

    /** Drops the TCP connection at once, without a closing handshake: for peers that are gone. */
    void abort(String reason) {
        closing.set(true);
        socket.closeConnection(CloseFrame.ABNORMAL_CLOSE, reason);
    }

    @Override
    public String remoteAddress() {
        return remote;
    }

    @Override
    public String clientIp() {
        return socket.clientIp;
    }

    @Override
    public void authenticated() {
        socket.endPending();
    }

    static String format(InetSocketAddress address) {
        if (address == null) {
            return "unknown";
        }
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
