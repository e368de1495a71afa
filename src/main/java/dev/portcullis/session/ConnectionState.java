package dev.portcullis.session;

import java.util.EnumMap;
import java.util.Map;

/**
 * The life of a connection, and the only table of how it may change (protocol.md §2). A move that is
 * not in the table is a bug: {@link #on(Event)} throws instead of guessing.
 */
public enum ConnectionState {
    /** Socket open, nothing proven yet: only an {@code auth} message is accepted, before the deadline. */
    AWAITING_AUTH,
    /** The token checked out; the connection speaks for its user. */
    AUTHENTICATED,
    /** Shut out for abuse; the connection is being closed and nothing more is processed. */
    BLOCKED,
    /** Closed, by either side. Terminal. */
    CLOSED;

    /** Something that happened to a connection. */
    public enum Event {
        /** A valid token arrived in time. */
        AUTH_SUCCEEDED,
        /** The first message was not a valid auth message, or its token was refused. */
        AUTH_FAILED,
        /** The auth deadline passed first, or was cut short: the pending cap needed the connection's place. */
        AUTH_TIMED_OUT,
        /** An abuse control shut the user out. */
        BLOCK,
        /** The session's credential ended: expired without a refresh, revoked, or its user disabled. */
        CREDENTIAL_ENDED,
        /** The socket closed, whoever started it. */
        DISCONNECTED
    }

    private static final Map<ConnectionState, Map<Event, ConnectionState>> TRANSITIONS = new EnumMap<>(ConnectionState.class);

    static {
        allow(AWAITING_AUTH, Event.AUTH_SUCCEEDED, AUTHENTICATED);
        allow(AWAITING_AUTH, Event.AUTH_FAILED, CLOSED);
        allow(AWAITING_AUTH, Event.AUTH_TIMED_OUT, CLOSED);
        allow(AWAITING_AUTH, Event.DISCONNECTED, CLOSED);
        allow(AUTHENTICATED, Event.BLOCK, BLOCKED);
        allow(AUTHENTICATED, Event.CREDENTIAL_ENDED, CLOSED);
        allow(AUTHENTICATED, Event.DISCONNECTED, CLOSED);
        allow(BLOCKED, Event.DISCONNECTED, CLOSED);
        // The socket's close callback also arrives after the server itself closed the connection.
        allow(CLOSED, Event.DISCONNECTED, CLOSED);
    }

    private static void allow(ConnectionState from, Event event, ConnectionState to) {
        TRANSITIONS.computeIfAbsent(from, f -> new EnumMap<>(Event.class)).put(event, to);
    }

    /** The state after {@code event}; throws {@link IllegalTransitionException} if the table has no such move. */
    public ConnectionState on(Event event) {
        ConnectionState next = TRANSITIONS.getOrDefault(this, Map.of()).get(event);
        if (next == null) {
            throw new IllegalTransitionException("illegal transition: " + event + " in state " + this);
        }
        return next;
    }

    /** Whether the table has a move for {@code event} from this state. */
    public boolean allows(Event event) {
        return TRANSITIONS.getOrDefault(this, Map.of()).containsKey(event);
    }
}
