package dev.portcullis.server;

import dev.portcullis.protocol.CloseReason;
import dev.portcullis.session.Gatekeeper;
import dev.portcullis.session.Session;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket listener: turns Java-WebSocket callbacks into {@link Gatekeeper} calls, one {@link Session}
 * attached to each socket. Callbacks run on the library's worker threads, each socket pinned to one.
 */
final class GateServer extends WebSocketServer {
    private static final Logger log = LoggerFactory.getLogger(GateServer.class);
    /** Room for a burst of simultaneous connects; the kernel caps it at net.core.somaxconn. */
    private static final int ACCEPT_BACKLOG = 1024;
    /** Seconds between pings; a peer silent for 1.5 times this is dropped as lost. */
    private static final int PING_INTERVAL_SECONDS = 30;

    private final Gatekeeper gatekeeper;
    private final AtomicLong connectionIds = new AtomicLong();
    private final CompletableFuture<Integer> started = new CompletableFuture<>();

    GateServer(InetSocketAddress address, int maxFrameBytes, Gatekeeper gatekeeper) {
        // No extensions: permessage-deflate stays off, so a small frame cannot inflate into a huge one.
        super(address, List.of(new Draft_6455(Collections.emptyList(), maxFrameBytes)));
        this.gatekeeper = gatekeeper;
        setReuseAddr(true);
        setTcpNoDelay(true);
        setMaxPendingConnections(ACCEPT_BACKLOG);
        setConnectionLostTimeout(PING_INTERVAL_SECONDS);
    }

    /** Completes with the bound port once the listener accepts connections, or fails if it could not bind. */
    CompletableFuture<Integer> started() {
        return started;
    }

    @Override
    public void onStart() {
        started.complete(getPort());
    }

    @Override
    public void onOpen(WebSocket socket, ClientHandshake handshake) {
        // The request URI is not logged: later protocol versions may carry credentials in its query.
        Session session = new Session("c" + connectionIds.incrementAndGet(), new WebSocketConnection(socket));
        socket.setAttachment(session);
        guarded(socket, () -> gatekeeper.opened(session));
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

    @Override
    public void onClose(WebSocket socket, int code, String reason, boolean remote) {
        Session session = socket.getAttachment();
        if (session != null) {
            guarded(socket, () -> gatekeeper.closed(session, code, remote));
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
