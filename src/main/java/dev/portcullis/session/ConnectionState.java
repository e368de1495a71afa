package dev.portcullis.session;

import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.ErrorCode;
import java.util.EnumMap;
import java.util.Map;

/**
 * The life of a connection in two tables (protocol.md §2): how its state may change, and what each state
 * does with what arrives. A move that is not in the first table is a bug: {@link #on(Event)} throws
 * instead of guessing; every kind of inbound frame has an answer in every state in the second.
 */
public enum ConnectionState {
    /** Socket open, nothing proven yet: only an {@code auth} message is accepted, before the deadline. */
    AWAITING_AUTH,
    /** The token checked out; the connection speaks for its user. */
    AUTHENTICATED,
    /** Shut out for abuse; the connection is being closed and nothing more is processed. */
    BLOCKED,
    /**
     * Closed, or being closed: the server decided to close it or the socket closed. Nothing more is sent or
     * handled; the connection leaves its rooms once the socket is gone (DISCONNECTED). Terminal.
     */
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
        /**
         * The server closes the connection for a cause of the connection's transport or of its own health: a
         * slow consumer, a lost heartbeat, too many control frames, a full inbox, the memory budget, an
         * internal error, shutdown, or a frame the WebSocket library refused (1002, 1007, 1009).
         */
        SERVER_CLOSE,
        /** The socket closed, whoever started it. */
        DISCONNECTED
    }

    /** What arrives from the peer, as the second table tells it apart. */
    public enum Inbound {
        /** A well-formed {@code auth} message. */
        AUTH,
        /** A well-formed {@code join}, {@code leave}, {@code message} or {@code refresh}. */
        REQUEST,
        /** Well-formed JSON whose {@code type} the protocol does not have. */
        UNKNOWN_TYPE,
        /** Text that is not a well-formed message. */
        MALFORMED,
        /** A binary message: the protocol is text only. */
        BINARY,
        /** On an encrypted connection, text that does not open as a Fernet token. */
        UNDECRYPTABLE,
        /** A message that finds the connection's inbox full (a stalled cluster). */
        INBOX_FULL
    }

    /** What the gate does with an inbound frame. */
    public enum Action {
        /** Carry it out: check the {@code auth}, or route the request once the user's rate allows it. */
        HANDLE,
        /** Answer {@code error} with {@link Answer#error()}, and keep the connection open. */
        REFUSE,
        /** Close the connection with {@link Answer#close()}, by {@link Answer#event()}. */
        CLOSE,
        /** Nothing: the connection is on its way out. */
        IGNORE
    }

    /**
     * One cell of the second table. A refusal is {@code counted} when it takes from the user's message rate
     * first (protocol.md §12.1), as every message does except a frame that did not decrypt.
     */
    public record Answer(Action action, ErrorCode error, boolean counted, CloseReason close, Event event) {
        static final Answer HANDLED = new Answer(Action.HANDLE, null, true, null, null);
        static final Answer IGNORED = new Answer(Action.IGNORE, null, false, null, null);

        static Answer refuse(ErrorCode error) {
            return new Answer(Action.REFUSE, error, true, null, null);
        }

        static Answer refuseUncounted(ErrorCode error) {
            return new Answer(Action.REFUSE, error, false, null, null);
        }

        static Answer close(CloseReason close, Event event) {
            return new Answer(Action.CLOSE, null, false, close, event);
        }
    }

    private static final Map<ConnectionState, Map<Event, ConnectionState>> TRANSITIONS = new EnumMap<>(ConnectionState.class);
    private static final Map<ConnectionState, Map<Inbound, Answer>> ANSWERS = new EnumMap<>(ConnectionState.class);

    static {
        allow(AWAITING_AUTH, Event.AUTH_SUCCEEDED, AUTHENTICATED);
        allow(AWAITING_AUTH, Event.AUTH_FAILED, CLOSED);
        allow(AWAITING_AUTH, Event.AUTH_TIMED_OUT, CLOSED);
        allow(AWAITING_AUTH, Event.SERVER_CLOSE, CLOSED);
        allow(AWAITING_AUTH, Event.DISCONNECTED, CLOSED);
        allow(AUTHENTICATED, Event.BLOCK, BLOCKED);
        allow(AUTHENTICATED, Event.CREDENTIAL_ENDED, CLOSED);
        allow(AUTHENTICATED, Event.SERVER_CLOSE, CLOSED);
        allow(AUTHENTICATED, Event.DISCONNECTED, CLOSED);
        allow(BLOCKED, Event.DISCONNECTED, CLOSED);
        // The socket's close callback also arrives after the server itself closed the connection.
        allow(CLOSED, Event.DISCONNECTED, CLOSED);

        // Before auth_ok anything but an auth closes the connection, without an error message.
        Answer expectedAuth = Answer.close(CloseReason.EXPECTED_AUTH, Event.AUTH_FAILED);
        answer(AWAITING_AUTH, Inbound.AUTH, Answer.HANDLED);
        answer(AWAITING_AUTH, Inbound.REQUEST, expectedAuth);
        answer(AWAITING_AUTH, Inbound.UNKNOWN_TYPE, expectedAuth);
        answer(AWAITING_AUTH, Inbound.MALFORMED, expectedAuth);
        answer(AWAITING_AUTH, Inbound.BINARY, expectedAuth);
        // Encryption starts with auth_ok, so this cannot arrive; if it did, it would not be an auth.
        answer(AWAITING_AUTH, Inbound.UNDECRYPTABLE, expectedAuth);
        answer(AWAITING_AUTH, Inbound.INBOX_FULL, Answer.close(CloseReason.TRY_AGAIN_LATER, Event.AUTH_FAILED));
        // After it every refusal is an error on a connection that stays open.
        answer(AUTHENTICATED, Inbound.AUTH, Answer.refuse(ErrorCode.ALREADY_AUTHENTICATED));
        answer(AUTHENTICATED, Inbound.REQUEST, Answer.HANDLED);
        answer(AUTHENTICATED, Inbound.UNKNOWN_TYPE, Answer.refuse(ErrorCode.UNKNOWN_TYPE));
        answer(AUTHENTICATED, Inbound.MALFORMED, Answer.refuse(ErrorCode.MALFORMED_MESSAGE));
        answer(AUTHENTICATED, Inbound.BINARY, Answer.refuse(ErrorCode.BINARY_NOT_SUPPORTED));
        answer(AUTHENTICATED, Inbound.UNDECRYPTABLE, Answer.refuseUncounted(ErrorCode.DECRYPTION_FAILED));
        // Answering now would overtake the replies still owed to the waiting messages.
        answer(AUTHENTICATED, Inbound.INBOX_FULL, Answer.close(CloseReason.TRY_AGAIN_LATER, Event.SERVER_CLOSE));
        for (Inbound kind : Inbound.values()) {
            answer(BLOCKED, kind, Answer.IGNORED);
            answer(CLOSED, kind, Answer.IGNORED);
        }
    }

    private static void allow(ConnectionState from, Event event, ConnectionState to) {
        TRANSITIONS.computeIfAbsent(from, f -> new EnumMap<>(Event.class)).put(event, to);
    }

    private static void answer(ConnectionState state, Inbound kind, Answer answer) {
        ANSWERS.computeIfAbsent(state, s -> new EnumMap<>(Inbound.class)).put(kind, answer);
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

    /** What this state does with {@code kind}; every state answers every kind. */
    public Answer answer(Inbound kind) {
        return ANSWERS.get(this).get(kind);
    }

    /**
     * Whether the connection speaks for its user in this state, as the second table says (its requests are
     * handled): only then is anything sent to it, a room joined or its token refreshed.
     */
    public boolean servesUser() {
        return answer(Inbound.REQUEST).action() == Action.HANDLE;
    }
}
