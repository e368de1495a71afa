package dev.portcullis.session;

/** A state change the transition table does not allow: always a bug in the server, never the client's fault. */
public final class IllegalTransitionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** {@code message} names the state and the event, as the state machine that refused them words it. */
    public IllegalTransitionException(String message) {
        super(message);
    }
}
