package dev.portcullis.websocket;

import dev.portcullis.metrics.Metrics;
import dev.portcullis.protocol.OutboundText;
import dev.portcullis.session.Connection;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.CloseFrame;

/**
 * A {@link Connection} over a Java-WebSocket socket, with the outbound bound the library lacks: bytes
 * queued but not yet written may not pass {@code maxOutboundBytes}, or the peer is a slow consumer (its
 * session then closes it); what is queued also counts against the {@link MemoryBudget} of all peers.
 * ({@link WebSocketListener} makes sure every close ends within the close timeout.)
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
    public boolean send(OutboundText message) {
        Function<String, String> seal = sealer;
        return enqueue(new StrictDraft.PreEncodedFrame(seal == null ? message.frame(OutboundText.Form.PLAIN, TextFrames::encode)
                : message.frame(OutboundText.Form.SEALED, text -> TextFrames.encode(seal.apply(text)))));
    }

    @Override
    public boolean sendPlain(OutboundText message) {
        return enqueue(new StrictDraft.PreEncodedFrame(message.frame(OutboundText.Form.PLAIN, TextFrames::encode)));
    }

    @Override
    public void sealWith(Function<String, String> sealer) {
        this.sealer = sealer;
    }

    /** False when the frame did not fit; true when it was queued, or the peer is gone and its close cleans up. */
    private boolean enqueue(StrictDraft.PreEncodedFrame frame) {
        if (!fits(frame.wireLength())) {
            return false;
        }
        try {
            socket.sendFrame(frame);
            nudger.queued(socket);
            metrics.messageOut();
        } catch (WebsocketNotConnectedException e) {
            // The peer went away while we answered; its close callback cleans up.
        }
        return true;
    }

    /**
     * Whether a frame of {@code wireLength} bytes still fits under {@code --max-outbound-bytes}, counting
     * everything queued, control frames too; what fits counts against the memory budget. A peer for which
     * it does not is a slow consumer, and its session closes it.
     */
    boolean fits(int wireLength) {
        long cost = wireLength + CountingSocketFactory.QUEUED_FRAME_COST;
        if (socket.queuedBytes() + cost <= maxOutboundBytes) {
            budget.added(cost);
            return true;
        }
        return false;
    }

    /**
     * Senders may hold a room's lock, and closing takes the socket's, which the selector thread may hold
     * while it waits for that room's lock to clean up: the close starts on the scheduler instead.
     */
    @Override
    public void close(int code, String reason) {
        scheduler.execute(() -> socket.close(code, reason));
    }

    @Override
    public void abort(String why) {
        socket.closeConnection(CloseFrame.ABNORMAL_CLOSE, why);
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
