package dev.portcullis.session;

/** A state change the transition table does not allow: always a bug in the server, never the client's fault. */
public final class IllegalTransitionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public IllegalTransitionException(ConnectionState from, ConnectionState.Event event) {
        super("illegal transition: " + event + " in state " + from);
    }
}
