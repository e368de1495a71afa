package dev.portcullis.session;

import dev.portcullis.auth.VerifiedToken;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;

/**
 * One WebSocket connection's state. Written by the connection's worker thread and by the scheduler
 * (the auth deadline), so every access to mutable fields holds this object's monitor.
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

    public Session(String id, Connection connection) {
        this.id = Objects.requireNonNull(id);
        this.connection = Objects.requireNonNull(connection);
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
        state = state.on(event);
        return true;
    }

    /** Applies {@code event} from whatever state the session is in; throws if the table forbids it. */
    public synchronized ConnectionState transition(ConnectionState.Event event) {
        state = state.on(event);
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

    synchronized void authDeadline(ScheduledFuture<?> deadline) {
        this.authDeadline = deadline;
    }

    synchronized void cancelAuthDeadline() {
        if (authDeadline != null) {
            authDeadline.cancel(false);
            authDeadline = null;
        }
    }
}
