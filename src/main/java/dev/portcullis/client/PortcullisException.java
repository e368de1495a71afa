package dev.portcullis.client;

/**
 * Why a {@link PortcullisClient} operation failed. Unchecked; the subclasses say which side refused:
 * {@link ConnectionClosedException} (the WebSocket ended or could not be opened),
 * {@link LoginFailedException} (the HTTP API gave no token), {@link RequestRefusedException} (the
 * server answered a request with an {@code error}), {@link NotConnectedException} (nothing was sent).
 */
public class PortcullisException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PortcullisException(String message) {
        super(message);
    }

    PortcullisException(String message, Throwable cause) {
        super(message, cause);
    }
}
