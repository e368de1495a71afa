package dev.portcullis.server;

import dev.portcullis.http.OriginPolicy;
import dev.portcullis.limit.ForwardedFor;
import dev.portcullis.limit.IpGuard;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.session.Session;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket listener: turns Java-WebSocket callbacks into {@link Gatekeeper} calls, one {@link Session}
 * attached to each socket, and runs the heartbeat. Callbacks run on the library's worker threads, each
 * socket pinned to one; the heartbeat runs on the scheduler.
 */
final class GateServer extends WebSocketServer {
    private static final Logger log = LoggerFactory.getLogger(GateServer.class);
    /** Room for a burst of simultaneous connects; the kernel caps it at net.core.somaxconn. */
    private static final int ACCEPT_BACKLOG = 1024;
    /** A peer that has not answered a ping for this many intervals is gone. */
    private static final int MISSED_PONG_INTERVALS = 2;

    private final Gatekeeper gatekeeper;
    private final Door door;
    private final GateSocketFactory sockets;
    private final Metrics metrics;
    private final WriteNudger nudger = new WriteNudger(this::onWriteDemand);
    private final ScheduledExecutorService scheduler;
    private final long maxOutboundBytes;
    private final Duration pingInterval;
    private final Duration closeTimeout;
    private final AtomicLong connectionIds = new AtomicLong();
    private final CompletableFuture<Integer> started = new CompletableFuture<>();

    GateServer(InetSocketAddress address, int maxFrameBytes, long maxOutboundBytes, Duration pingInterval,
               Duration closeTimeout, Duration handshakeTimeout, OriginPolicy origins, IpGuard ips,
               ForwardedFor forwardedFor, int maxConnections, int maxPendingConnections, Set<String> authModes,
               Gatekeeper gatekeeper,
               ScheduledExecutorService scheduler, Metrics metrics, SSLContext tls, ExecutorService tlsTasks) {
        super(address, List.of(new GateDraft(maxFrameBytes)));
        this.metrics = metrics;
        this.gatekeeper = gatekeeper;
        this.scheduler = scheduler;
        this.maxOutboundBytes = maxOutboundBytes;
        this.pingInterval = pingInterval;
        this.closeTimeout = closeTimeout;
        this.sockets = new GateSocketFactory(scheduler, handshakeTimeout, ips,
                new PendingConnections<>(maxPendingConnections, this::displace, scheduler), tls, tlsTasks);
        this.door = new Door(origins, ips, forwardedFor, maxConnections, sockets::openSockets, authModes, gatekeeper, metrics);
        setWebSocketFactory(sockets);
        setReuseAddr(true);
        setTcpNoDelay(true);
        setMaxPendingConnections(ACCEPT_BACKLOG);
        // Our heartbeat replaces the library's: it needs sub-second intervals in tests and two missed intervals.
        setConnectionLostTimeout(0);
    }

    /** Completes with the bound port once the listener accepts connections, or fails if it could not bind. */
    CompletableFuture<Integer> started() {
        return started;
    }

    @Override
    public void onStart() {
        long every = pingInterval.toMillis();
        scheduler.scheduleAtFixedRate(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(nudger::pass, WriteNudger.PERIOD_MILLIS, WriteNudger.PERIOD_MILLIS,
                TimeUnit.MILLISECONDS);
        started.complete(getPort());
    }

    /** The door's checks before the upgrade; see {@link Door}. */
    @Override
    public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket socket, Draft draft,
                                                                       ClientHandshake request) throws InvalidDataException {
        ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(socket, draft, request);
        door.admit((GateSocketFactory.CountingSocket) socket, request);
        return response;
    }

    /** Called once for every socket that goes away, opened or not: release its place in the limits. */
    @Override
    protected void releaseBuffers(WebSocket socket) throws InterruptedException {
        ((GateSocketFactory.CountingSocket) socket).release();
        super.releaseBuffers(socket);
    }

    @Override
    public void onOpen(WebSocket socket, ClientHandshake handshake) {
        // The request URI is not logged: later protocol versions may carry credentials in its query.
        var counting = (GateSocketFactory.CountingSocket) socket;
        counting.handshakeDone();
        Session session = new Session("c" + connectionIds.incrementAndGet(),
                new WebSocketConnection(counting, scheduler, maxOutboundBytes, nudger, metrics), metrics::transition);
        socket.setAttachment(session);
        HandshakeCredential credential = door.credential(handshake);
        guarded(socket, () -> gatekeeper.opened(session, credential));
    }

    @Override
    public void onMessage(WebSocket socket, String message) {
        Session session = socket.getAttachment();
        guarded(socket, () -> gatekeeper.text(session, message));
    }

    @Override
    public void onMessage(WebSocket socket, ByteBuffer message) {
        Session session = socket.getAttachment();
        guarded(socket, () -> gatekeeper.binary(session));
    }

    /**
     * Every close the server starts, ours or the library's (1002, 1007, 1009), flushes the queue and then
     * drops TCP; a peer that stopped reading never lets the queue flush, so its socket is dropped after
     * the close timeout.
     */
    @Override
    public void onCloseInitiated(WebSocket socket, int code, String reason) {
        scheduler.schedule(() -> {
            if (!socket.isClosed()) {
                ((GateSocketFactory.CountingSocket) socket).closeConnection(code, reason);
            }
        }, closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The library answers a ping even on a socket that is closing, and its exception then escapes the
     * frame loop as an error (found by the fuzz test). A closing socket owes no pong.
     */
    @Override
    public void onWebsocketPing(WebSocket socket, Framedata frame) {
        if (socket.isOpen()) {
            try {
                super.onWebsocketPing(socket, frame);
            } catch (WebsocketNotConnectedException e) {
                // closed between the check and the pong
            }
        }
    }

    @Override
    public void onWebsocketPong(WebSocket socket, Framedata frame) {
        ((GateSocketFactory.CountingSocket) socket).lastPongNanos = System.nanoTime();
    }

    @Override
    public void onClose(WebSocket socket, int code, String reason, boolean remote) {
        ((GateSocketFactory.CountingSocket) socket).handshakeDone();
        Session session = socket.getAttachment();
        if (session != null) {
            metrics.closed(code);
            guarded(socket, () -> gatekeeper.closed(session, code, reason, remote));
        }
    }

    @Override
    public void onError(WebSocket socket, Exception e) {
        if (socket == null) {
            if (!started.isDone()) {
                started.completeExceptionally(e);
            } else {
                log.error("WebSocket listener failed", e);
            }
            return;
        }
        Session session = socket.getAttachment();
        log.debug("{}: socket error: {}", session == null ? "-" : session.id(), e.toString());
    }

    /**
     * The pending cap needed this socket's place for a newer one (protocol.md §12.6): an open socket that
     * has not authenticated closes with 1008 Server busy, one still in its upgrade loses its TCP
     * connection. Runs on the scheduler: closing takes the socket's lock, which the selector must not wait for.
     */
    private void displace(GateSocketFactory.CountingSocket socket) {
        Session session = socket.getAttachment();
        if (session != null) {
            guarded(socket, () -> gatekeeper.displaced(session));
        } else if (socket.isOpen()) {
            // Upgraded a moment ago, its session not attached yet.
            socket.close(CloseReason.SERVER_BUSY.code(), CloseReason.SERVER_BUSY.reason());
        } else if (!socket.isClosed()) {
            socket.closeConnection(CloseFrame.NEVER_CONNECTED, CloseReason.SERVER_BUSY.reason());
        }
    }

    /** Pings every open socket; drops those that have not answered for {@link #MISSED_PONG_INTERVALS} intervals. */
    private void heartbeat() {
        try {
            long deadline = System.nanoTime() - MISSED_PONG_INTERVALS * pingInterval.toNanos();
            for (WebSocket socket : getConnections()) {
                var counting = (GateSocketFactory.CountingSocket) socket;
                Session session = socket.getAttachment();
                if (!socket.isOpen() || session == null) {
                    continue;
                }
                if (counting.lastPongNanos - deadline < 0) {
                    log.debug("{}: no pong for {} intervals, dropping", session.id(), MISSED_PONG_INTERVALS);
                    ((WebSocketConnection) session.connection()).abort("Heartbeat timeout");
                } else {
                    try {
                        socket.sendPing();
                    } catch (WebsocketNotConnectedException e) {
                        // closed since we looked; its close callback cleans up
                    }
                }
            }
        } catch (RuntimeException e) {
            // An exception would cancel the periodic task and silently stop every future heartbeat.
            log.error("heartbeat sweep failed", e);
        }
    }

    /** A bug in our handling must not reach the library (which would swallow it) or hurt other sockets. */
    private void guarded(WebSocket socket, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.error("internal error on a connection; closing it with 1011", e);
            socket.close(CloseReason.INTERNAL_ERROR.code(), CloseReason.INTERNAL_ERROR.reason());
        }
    }
}
