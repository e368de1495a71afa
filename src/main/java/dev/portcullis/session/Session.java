package dev.portcullis.session;

import dev.portcullis.auth.VerifiedToken;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/**
 * One WebSocket connection's state. Written by the connection's worker thread, by the scheduler (the
 * auth deadline) and by whichever thread closes the socket, so every access to mutable fields holds this
 * object's monitor. Lock order: a room's monitor may be held when this one is taken, never the reverse.
 */
public final class Session {
    private final String id;
    private final Connection connection;

    /** Guarded by this. */
    private ConnectionState state = ConnectionState.AWAITING_AUTH;
    /** Guarded by this; null until {@link ConnectionState#AUTHENTICATED}. */
    private VerifiedToken identity;
    /** Guarded by this; the pending auth deadline, null once it fired or was cancelled. */
    private ScheduledFuture<?> authDeadline;
    /** Whether every frame both ways is a Fernet token (protocol.md §14); set once, at auth. */
    private volatile boolean encrypted;
    /** Guarded by this; the warning and the close at the end of the credential, null when none is pending. */
    private ScheduledFuture<?> expiryWarning;
    private ScheduledFuture<?> expiryClose;
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

    public synchronized ConnectionState state() {
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
     * Applies {@code event} if the session is still in {@code expected}; returns false when another thread
     * moved it first (the deadline and the auth message race). An event the table forbids throws.
     */
    public synchronized boolean transition(ConnectionState expected, ConnectionState.Event event) {
        if (state != expected) {
            return false;
        }
        ConnectionState from = state;
        state = state.on(event);
        listener.changed(from, state);
        return true;
    }

    /** Applies {@code event} from whatever state the session is in; throws if the table forbids it. */
    public synchronized ConnectionState transition(ConnectionState.Event event) {
        ConnectionState from = state;
        state = state.on(event);
        if (from != state) {
            listener.changed(from, state);
        }
        return state;
    }

    /** Moves to {@code AUTHENTICATED} with {@code token}, if the deadline has not closed the session first. */
    public synchronized boolean authenticate(VerifiedToken token) {
        if (!transition(ConnectionState.AWAITING_AUTH, ConnectionState.Event.AUTH_SUCCEEDED)) {
            return false;
        }
        identity = token;
        cancelAuthDeadline();
        return true;
    }

    /**
     * Records that this connection is joining {@code room}, unless it already has {@code max} rooms or is no
     * longer authenticated (a close may race with a join).
     */
    public synchronized RoomReservation reserveRoom(String room, int max) {
        if (state != ConnectionState.AUTHENTICATED) {
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

    public synchronized boolean isAuthenticated() {
        return state == ConnectionState.AUTHENTICATED;
    }

    /** Remembers the pending auth deadline so that authentication or a close can cancel it. */
    public synchronized void authDeadline(ScheduledFuture<?> deadline) {
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
        if (state != ConnectionState.AUTHENTICATED || !token.subject().equals(identity.subject())) {
            return false;
        }
        identity = token;
        return true;
    }

    /** Replaces the pending expiry warning and close (cancelling the old ones); nulls cancel only. */
    public synchronized void expiryTimers(ScheduledFuture<?> warning, ScheduledFuture<?> close) {
        cancelExpiryTimers();
        if (state == ConnectionState.CLOSED) {
            // Set after the close already cleaned up: these would only keep a dead session in memory.
            if (warning != null) {
                warning.cancel(false);
            }
            if (close != null) {
                close.cancel(false);
            }
            return;
        }
        expiryWarning = warning;
        expiryClose = close;
    }

    public synchronized void cancelExpiryTimers() {
        if (expiryWarning != null) {
            expiryWarning.cancel(false);
        }
        if (expiryClose != null) {
            expiryClose.cancel(false);
        }
        expiryWarning = null;
        expiryClose = null;
    }

    public synchronized void cancelAuthDeadline() {
        if (authDeadline != null) {
            authDeadline.cancel(false);
            authDeadline = null;
        }
    }
}
