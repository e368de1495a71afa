package dev.portcullis.client;

/**
 * A request was made while the client was not {@link ClientState#AUTHENTICATED} (still connecting,
 * waiting to reconnect, or closed). Nothing was sent; try again after
 * {@link ClientListener#onAuthenticated}.
 */
public final class NotConnectedException extends PortcullisException {
    private static final long serialVersionUID = 1L;

    private final ClientState state;

    NotConnectedException(ClientState state) {
        super("not connected (" + state + "): nothing was sent");
        this.state = state;
    }

    /** The client's state when the request was made. */
    public ClientState state() {
        return state;
    }
}
