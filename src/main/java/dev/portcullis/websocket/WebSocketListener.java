package dev.portcullis.websocket;

import dev.portcullis.gate.Gatekeeper;
import dev.portcullis.gate.HandshakeCredential;
import dev.portcullis.health.Liveness;
import dev.portcullis.limit.ForwardedFor;
import dev.portcullis.limit.IpGuard;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.net.OriginPolicy;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
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
public final class WebSocketListener extends WebSocketServer {
    private static final Logger log = LoggerFactory.getLogger(WebSocketListener.class);
    /** Room for a burst of simultaneous connects; the kernel caps it at net.core.somaxconn. */
    private static final int ACCEPT_BACKLOG = 1024;
    /** A peer that has not answered a ping for this many intervals is gone. */
    private static final int MISSED_PONG_INTERVALS = 2;
    /** Our pings carry no payload: a two-byte header. */
    private static final int PING_WIRE_BYTES = 2;
    /** How often the watchdog looks at the listener: a dead one answers 503 on /healthz within this. */
    private static final long WATCHDOG_MILLIS = 500;

    private final Gatekeeper gatekeeper;
    private final HandshakeAdmission admission;
    private final CountingSocketFactory sockets;
    private final Metrics metrics;
    private final WriteNudger nudger = new WriteNudger(this::onWriteDemand);
    private final ScheduledExecutorService scheduler;
    private final long maxOutboundBytes;
    private final Duration pingInterval;
    private final Duration closeTimeout;
    private final MemoryBudget budget;
    private final Liveness liveness;
    /** The listening socket's key, known from the first accept; selector thread writes, the watchdog reads. */
    private volatile SelectionKey acceptKey;
    /** The library's selector thread, known from the start. */
    private volatile Thread selectorThread;
    /** Set when we stop the listener ourselves, so the watchdog does not take that for a death. */
    private volatile boolean stopping;
    private final AtomicLong connectionIds = new AtomicLong();
    private final CompletableFuture<Integer> started = new CompletableFuture<>();

    public WebSocketListener(InetSocketAddress address, int maxFrameBytes, long maxOutboundBytes, long memoryBudget,
                             Duration pingInterval, Duration closeTimeout, Duration handshakeTimeout,
                             OriginPolicy origins, IpGuard ips, ForwardedFor forwardedFor, int maxConnections,
                             int maxPendingConnections, Set<String> authModes, Gatekeeper gatekeeper,
                             ScheduledExecutorService scheduler, Metrics metrics, SSLContext tls,
                             ExecutorService tlsTasks, Liveness liveness) {
        super(address, List.of(new StrictDraft(maxFrameBytes)));
        this.metrics = metrics;
        this.gatekeeper = gatekeeper;
        this.scheduler = scheduler;
        this.maxOutboundBytes = maxOutboundBytes;
        this.pingInterval = pingInterval;
        this.closeTimeout = closeTimeout;
        this.liveness = liveness;
        this.sockets = new CountingSocketFactory(scheduler, handshakeTimeout, ips,
                new PendingConnections<>(maxPendingConnections, this::displace, scheduler), tls, tlsTasks);
        this.budget = new MemoryBudget(memoryBudget, this::getConnections, scheduler, metrics);
        this.admission = new HandshakeAdmission(origins, ips, forwardedFor, maxConnections, sockets::openSockets,
                authModes, gatekeeper, metrics);
        setWebSocketFactory(sockets);
        setReuseAddr(true);
        setTcpNoDelay(true);
        setMaxPendingConnections(ACCEPT_BACKLOG);
        // Our heartbeat replaces the library's: it needs sub-second intervals in tests and two missed intervals.
        setConnectionLostTimeout(0);
    }

    /** Completes with the bound port once the listener accepts connections, or fails if it could not bind. */
    public CompletableFuture<Integer> started() {
        return started;
    }

    @Override
    public void onStart() {
        // The library calls this on its selector thread, the one thread whose death ends the listener.
        selectorThread = Thread.currentThread();
        long every = pingInterval.toMillis();
        scheduler.scheduleAtFixedRate(liveness.guard("heartbeat", this::heartbeat), every, every, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(liveness.guard("write nudger", nudger::pass), WriteNudger.PERIOD_MILLIS,
                WriteNudger.PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(liveness.guard("memory budget", budget::tick),
                MemoryBudget.PERIOD_MILLIS, MemoryBudget.PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(liveness.guard("listener watchdog", this::watchdog), WATCHDOG_MILLIS,
                WATCHDOG_MILLIS, TimeUnit.MILLISECONDS);
        started.complete(getPort());
    }

    /**
     * Java-WebSocket 1.6.0 can lose its listener and carry on as if nothing happened: an {@link Error} on its
     * selector thread ends that thread (its connections with it), and an accept that fails (too many open
     * files) makes it close the listening socket, after which nobody can connect. Either is fatal.
     */
    private void watchdog() {
        if (stopping) {
            return;
        }
        Thread selector = selectorThread;
        SelectionKey key = acceptKey;
        if (selector != null && !selector.isAlive()) {
            liveness.fail("the WebSocket listener's selector thread ended", null);
        } else if (key != null && !key.channel().isOpen()) {
            liveness.fail("the WebSocket listener closed its listening socket (an accept failed, e.g. too many open files)",
                    null);
        }
    }

    /** Called by the selector thread before each accept, with the listening socket's key. */
    @Override
    protected boolean onConnect(SelectionKey key) {
        acceptKey = key;
        return true;
    }

    @Override
    public void stop(int timeout, String closeMessage) throws InterruptedException {
        stopping = true;
        super.stop(timeout, closeMessage);
    }

    /** The checks at the door, before the upgrade; see {@link HandshakeAdmission}. */
    @Override
    public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket socket, Draft draft,
                                                                       ClientHandshake request) throws InvalidDataException {
        ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(socket, draft, request);
        admission.admit((CountingSocketFactory.CountingSocket) socket, request);
        return response;
    }

    /** Called once for every socket that goes away, opened or not: release its place in the limits. */
    @Override
    protected void releaseBuffers(WebSocket socket) throws InterruptedException {
        ((CountingSocketFactory.CountingSocket) socket).release();
        super.releaseBuffers(socket);
    }

    @Override
    public void onOpen(WebSocket socket, ClientHandshake handshake) {
        // The request URI is not logged: later protocol versions may carry credentials in its query.
        var counting = (CountingSocketFactory.CountingSocket) socket;
        counting.handshakeDone();
        Session session = new Session("c" + connectionIds.incrementAndGet(),
                new WebSocketConnection(counting, scheduler, maxOutboundBytes, budget, nudger, metrics), metrics::transition);
        socket.setAttachment(session);
        HandshakeCredential credential = admission.credential(handshake);
        guarded(socket, () -> gatekeeper.opened(session, credential));
    }

    @Override
    public void onMessage(WebSocket socket, String message) {
        // A message may wait in the inbox: count it, so the budget's pass comes soon enough if many pile up.
        budget.added(2L * message.length());
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
        // The library's own closes (1002, 1007, 1009, shutdown's 1001) move the state too; ours moved it already.
        Session session = socket.getAttachment();
        if (session != null) {
            session.closedByTransport(code, reason);
        }
        scheduler.schedule(() -> {
            if (!socket.isClosed()) {
                ((CountingSocketFactory.CountingSocket) socket).closeConnection(code, reason);
            }
        }, closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A pong is queued like any frame, so it counts against {@code --max-outbound-bytes} (a peer that pings and
     * never reads is a slow consumer), and pings are rate-limited ({@link ControlFrameLimit}). The library
     * answers a ping even on a socket that is closing, and its exception then escapes the frame loop as an
     * error (found by the fuzz test): a closing socket owes no pong.
     */
    @Override
    public void onWebsocketPing(WebSocket socket, Framedata frame) {
        if (!socket.isOpen() || !controlFrameAllowed((CountingSocketFactory.CountingSocket) socket)) {
            return;
        }
        Session session = socket.getAttachment();
        if (session != null && !((WebSocketConnection) session.connection()).fits(frame.getPayloadData().remaining() + 2)) {
            session.close(ConnectionState.Event.SERVER_CLOSE, CloseReason.SLOW_CONSUMER);
            return;
        }
        try {
            super.onWebsocketPing(socket, frame);
        } catch (WebsocketNotConnectedException e) {
            // closed between the check and the pong
        }
    }

    @Override
    public void onWebsocketPong(WebSocket socket, Framedata frame) {
        var counting = (CountingSocketFactory.CountingSocket) socket;
        if (controlFrameAllowed(counting)) {
            counting.lastPongNanos = System.nanoTime();
        }
    }

    /** Counts a ping or pong from the peer; past the limit, closes it with 1008 and answers false. */
    private boolean controlFrameAllowed(CountingSocketFactory.CountingSocket socket) {
        Session session = socket.getAttachment();
        boolean authenticated = session != null && session.state() == ConnectionState.AUTHENTICATED;
        if (socket.controlFrameAllowed(authenticated, System.nanoTime())) {
            return true;
        }
        if (session != null) {
            log.debug("{}: too many control frames, closing", session.id());
            session.close(ConnectionState.Event.SERVER_CLOSE, CloseReason.CONTROL_FLOOD);
        } else {
            socket.close(CloseReason.CONTROL_FLOOD.code(), CloseReason.CONTROL_FLOOD.reason());
        }
        return false;
    }

    @Override
    public void onClose(WebSocket socket, int code, String reason, boolean remote) {
        ((CountingSocketFactory.CountingSocket) socket).handshakeDone();
        Session session = socket.getAttachment();
        if (session != null) {
            guarded(socket, () -> gatekeeper.closed(session, code, reason, remote));
        }
    }

    @Override
    public void onError(WebSocket socket, Exception e) {
        if (socket == null) {
            if (!started.isDone()) {
                started.completeExceptionally(e);
            } else if (!stopping) {
                liveness.fail("the WebSocket listener failed", e);
            }
            return;
        }
        if (e.getCause() instanceof VirtualMachineError fatal) {
            // How the library reports an OutOfMemoryError on a worker thread, just before it stops the listener.
            liveness.fail("a WebSocket worker thread died", fatal);
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
    private void displace(CountingSocketFactory.CountingSocket socket) {
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
        long deadline = System.nanoTime() - MISSED_PONG_INTERVALS * pingInterval.toNanos();
        for (WebSocket socket : getConnections()) {
            try {
                beat((CountingSocketFactory.CountingSocket) socket, deadline);
            } catch (RuntimeException e) {
                // One socket in a bad state must not stop the others' heartbeat.
                log.error("heartbeat failed for one connection", e);
            }
        }
    }

    private void beat(CountingSocketFactory.CountingSocket socket, long deadline) {
        Session session = socket.getAttachment();
        if (!socket.isOpen() || session == null) {
            return;
        }
        var connection = (WebSocketConnection) session.connection();
        if (socket.lastPongNanos - deadline < 0) {
            log.debug("{}: no pong for {} intervals, dropping", session.id(), MISSED_PONG_INTERVALS);
            session.abort("Heartbeat timeout");
        } else if (!connection.fits(PING_WIRE_BYTES)) {
            session.close(ConnectionState.Event.SERVER_CLOSE, CloseReason.SLOW_CONSUMER);
        } else {
            try {
                socket.sendPing();
            } catch (WebsocketNotConnectedException e) {
                // closed since we looked; its close callback cleans up
            }
        }
    }

    /** A bug in our handling must not reach the library (which would swallow it) or hurt other sockets. */
    private void guarded(WebSocket socket, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.error("internal error on a connection; closing it with 1011", e);
            Session session = socket.getAttachment();
            // A close already under way needs no second one; a socket without a session has no state to move.
            if (session == null) {
                socket.close(CloseReason.INTERNAL_ERROR.code(), CloseReason.INTERNAL_ERROR.reason());
            } else {
                session.close(ConnectionState.Event.SERVER_CLOSE, CloseReason.INTERNAL_ERROR);
            }
        }
    }
}
