package dev.portcullis.session;

import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.platform.Scheduler;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.OutboundText;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One WebSocket connection's state. Written by the connection's worker thread, by the scheduler (the
 * auth deadline) and by whichever thread closes the socket, so every access to mutable fields holds this
 * object's monitor. Lock order: a room's monitor may be held when this one is taken, never the reverse.
 */
public final class Session {
    private final String id;
    private final Connection connection;

    /** Written under this object's monitor; read without it by senders, which only need a recent value. */
    private volatile ConnectionState state = ConnectionState.AWAITING_AUTH;
    /** Guarded by this; null until {@link ConnectionState#AUTHENTICATED}. */
    private VerifiedToken identity;
    /** Guarded by this; the pending auth deadline, null once it fired or was cancelled. */
    private Scheduler.Task authDeadline;
    /** Whether every frame both ways is a Fernet token (protocol.md §14); set once, at auth. */
    private volatile boolean encrypted;
    /** Guarded by this; the warning and the close at the end of the credential, null when none is pending. */
    private Scheduler.Task expiryWarning;
    private Scheduler.Task expiryClose;
    /** Guarded by this; the rooms this connection has joined, in join order. */
    private final Set<String> rooms = new LinkedHashSet<>();
    /** The messages read from this connection and not yet handled. */
    private final Inbox inbox = new Inbox(INBOX_CAPACITY, INBOX_BYTES);
    /**
     * How many messages may wait while earlier ones wait for the shared state: far above what the rate limit
     * lets through, so only a stalled cluster fills it.
     */
    public static final int INBOX_CAPACITY = 256;
    /**
     * How much memory those messages may hold: as much as may wait outbound for a client at the default, so a
     * stalled cluster cannot make one connection hold 256 full-size messages (16 MiB at the default size).
     */
    public static final long INBOX_BYTES = 1024 * 1024;

    /** The close code of a peer dropped without a closing handshake (RFC 6455 §7.1.5). */
    private static final int ABNORMAL_CLOSE = 1006;

    /**
     * The close the server started: the code and reason it sent, or 1006 and why for a peer it dropped.
     * This, not what the socket reports at the end, is the connection's close: the library reports the
     * client's echo instead when that is read before the server has finished writing its own.
     */
    public record ServerClose(int code, String reason) {
    }

    /** Guarded by this; null until the server starts a close. */
    private ServerClose serverClose;

    /** What {@link #reserveRoom} did. */
    public enum RoomReservation { ADDED, ALREADY_MEMBER, LIMIT_REACHED, NOT_AUTHENTICATED }

    /** Told of every state change, e.g. to keep metrics of connections by state. */
    public interface StateListener {
        void changed(ConnectionState from, ConnectionState to);
    }

    private final StateListener listener;
    /** System.nanoTime() when the socket was accepted, for the accept-to-auth_ok time. */
    private final long openedNanos = System.nanoTime();

    public Session(String id, Connection connection) {
        this(id, connection, (from, to) -> { });
    }

    public Session(String id, Connection connection, StateListener listener) {
        this.id = Objects.requireNonNull(id);
        this.connection = Objects.requireNonNull(connection);
        this.listener = listener;
        listener.changed(null, ConnectionState.AWAITING_AUTH);
    }

    public Inbox inbox() {
        return inbox;
    }

    public long openedNanos() {
        return openedNanos;
    }

    public String id() {
        return id;
    }

    public Connection connection() {
        return connection;
    }

    public ConnectionState state() {
        return state;
    }

    /** The verified token, or null before authentication. */
    public synchronized VerifiedToken identity() {
        return identity;
    }

    /** The authenticated user's name, or null before authentication. */
    public synchronized String user() {
        return identity == null ? null : identity.subject();
    }

    /**
     * Applies {@code event} if the table has it from the current state; false when it has not, because
     * another thread moved the session first (the deadline and the auth message race, two closes race).
     * Leaving AWAITING_AUTH cancels the auth deadline, and leaving AUTHENTICATED the expiry timers.
     */
    synchronized boolean move(ConnectionState.Event event) {
        if (!state.allows(event)) {
            return false;
        }
        ConnectionState from = state;
        state = state.on(event);
        if (from != state) {
            listener.changed(from, state);
        }
        if (state != ConnectionState.AWAITING_AUTH) {
            cancelAuthDeadline();
        }
        if (!state.servesUser() && from.servesUser()) {
            cancelExpiryTimers();
        }
        return true;
    }

    /**
     * The one way the server closes a connection: moves the state by {@code cause} first, so nothing more
     * is sent or handled, runs {@code record} (what the close must leave in the audit log and metrics,
     * before the peer can see it), then starts the closing handshake. False, and nothing done, when the
     * connection was already on its way out.
     */
    public boolean close(ConnectionState.Event cause, CloseReason reason, Runnable record) {
        if (cause == ConnectionState.Event.DISCONNECTED || !startClose(cause, reason.code(), reason.reason())) {
            return false;
        }
        record.run();
        connection.close(reason.code(), reason.reason());
        return true;
    }

    /** {@link #close(ConnectionState.Event, CloseReason, Runnable)} with nothing to record. */
    public boolean close(ConnectionState.Event cause, CloseReason reason) {
        return close(cause, reason, () -> { });
    }

    /** Like {@link #close}, but drops the TCP connection at once, without a closing handshake: the peer is gone. */
    public boolean abort(String why) {
        if (!startClose(ConnectionState.Event.SERVER_CLOSE, ABNORMAL_CLOSE, why)) {
            return false;
        }
        connection.abort(why);
        return true;
    }

    /**
     * The transport started a close of its own with {@code code} and {@code reason} (a frame it refused,
     * shutdown): the state follows at once. A close the session started itself is not overwritten.
     */
    public void closedByTransport(int code, String reason) {
        startClose(ConnectionState.Event.SERVER_CLOSE, code, reason);
    }

    /** The close the server started on this connection, or null if it started none. */
    public synchronized ServerClose serverClose() {
        return serverClose;
    }

    private synchronized boolean startClose(ConnectionState.Event cause, int code, String reason) {
        if (!move(cause)) {
            return false;
        }
        serverClose = new ServerClose(code, reason);
        return true;
    }

    /** The socket closed, whoever started it. */
    public void disconnected() {
        move(ConnectionState.Event.DISCONNECTED);
    }

    /**
     * Queues {@code message} while the state lets the server send; a message that does not fit under the
     * connection's outbound limit closes it as a slow consumer.
     */
    public void send(OutboundText message) {
        if (state.servesUser() && !connection.send(message)) {
            close(ConnectionState.Event.SERVER_CLOSE, CloseReason.SLOW_CONSUMER);
        }
    }

    /** {@link #send}, in the clear even on a sealed connection: for {@code decryption_failed}. */
    public void sendPlain(OutboundText message) {
        if (state.servesUser() && !connection.sendPlain(message)) {
            close(ConnectionState.Event.SERVER_CLOSE, CloseReason.SLOW_CONSUMER);
        }
    }

    /** Moves to {@code AUTHENTICATED} with {@code token}, if the deadline has not closed the session first. */
    public synchronized boolean authenticate(VerifiedToken token) {
        if (!move(ConnectionState.Event.AUTH_SUCCEEDED)) {
            return false;
        }
        identity = token;
        return true;
    }

    /**
     * Records that this connection is joining {@code room}, unless it already has {@code max} rooms or is no
     * longer authenticated (a close may race with a join).
     */
    public synchronized RoomReservation reserveRoom(String room, int max) {
        if (!state.servesUser()) {
            return RoomReservation.NOT_AUTHENTICATED;
        }
        if (rooms.contains(room)) {
            return RoomReservation.ALREADY_MEMBER;
        }
        if (rooms.size() >= max) {
            return RoomReservation.LIMIT_REACHED;
        }
        rooms.add(room);
        return RoomReservation.ADDED;
    }

    /** Forgets {@code room}; false if this connection was not in it. */
    public synchronized boolean releaseRoom(String room) {
        return rooms.remove(room);
    }

    public synchronized boolean inRoom(String room) {
        return rooms.contains(room);
    }

    /** Empties the room set and returns what it held, for the cleanup after a close. */
    public synchronized Set<String> releaseAllRooms() {
        Set<String> all = new LinkedHashSet<>(rooms);
        rooms.clear();
        return all;
    }

    /** Whether the connection speaks for its user now ({@link ConnectionState#servesUser()}). */
    public boolean isAuthenticated() {
        return state.servesUser();
    }

    /** Remembers the pending auth deadline so that authentication or a close can cancel it. */
    public synchronized void authDeadline(Scheduler.Task deadline) {
        this.authDeadline = deadline;
    }

    /** From now on the peer's frames are Fernet tokens. */
    public void encrypted(boolean encrypted) {
        this.encrypted = encrypted;
    }

    public boolean encrypted() {
        return encrypted;
    }

    /** A refresh: the session now speaks with {@code token}, which must be for the same user. */
    public synchronized boolean refresh(VerifiedToken token) {
        if (!state.servesUser() || !token.subject().equals(identity.subject())) {
            return false;
        }
        identity = token;
        return true;
    }

    /** Replaces the pending expiry warning and close (cancelling the old ones); nulls cancel only. */
    public synchronized void expiryTimers(Scheduler.Task warning, Scheduler.Task close) {
        cancelExpiryTimers();
        if (!state.servesUser()) {
            // Set after the close already cleaned up: these would only keep a dead session in memory.
            if (warning != null) {
                warning.cancel();
            }
            if (close != null) {
                close.cancel();
            }
            return;
        }
        expiryWarning = warning;
        expiryClose = close;
    }

    private synchronized void cancelExpiryTimers() {
        if (expiryWarning != null) {
            expiryWarning.cancel();
        }
        if (expiryClose != null) {
            expiryClose.cancel();
        }
        expiryWarning = null;
        expiryClose = null;
    }

    private synchronized void cancelAuthDeadline() {
        if (authDeadline != null) {
            authDeadline.cancel();
            authDeadline = null;
        }
    }
}
