package dev.portcullis.client;

import java.util.OptionalInt;

/**
 * The connection ended, or never opened, with this close {@code code} and {@code reason}
 * (protocol.md §6). A connection lost without a close frame, or one that could not be opened, reads
 * 1006; if the server refused the upgrade with an HTTP status (403, 429, 503, protocol.md §12.4), that
 * status is in {@link #httpStatus()}.
 */
public final class ConnectionClosedException extends PortcullisException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String reason;
    private final int httpStatus;

    ConnectionClosedException(int code, String reason) {
        this(code, reason, 0, null);
    }

    ConnectionClosedException(int code, String reason, int httpStatus, Throwable cause) {
        super("connection closed: " + code + (reason.isEmpty() ? "" : " " + reason), cause);
        this.code = code;
        this.reason = reason;
        this.httpStatus = httpStatus;
    }

    /** The close code, e.g. 1008; 1006 when there was no close frame. */
    public int code() {
        return code;
    }

    /** The close reason exactly as received, e.g. {@code "Token revoked"}; may be empty. */
    public String reason() {
        return reason;
    }

    /** The HTTP status of a refused WebSocket upgrade, if that is how the connection failed. */
    public OptionalInt httpStatus() {
        return httpStatus == 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus);
    }
}
