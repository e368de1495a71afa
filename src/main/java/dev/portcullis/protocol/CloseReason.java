package dev.portcullis.protocol;

/**
 * Every close the server initiates, with its code and exact reason text (protocol.md §6 says what a client
 * should do about each). Reasons are short ASCII so they fit the 123-byte limit of a close frame.
 */
public enum CloseReason {
    /** No auth message arrived within {@code --auth-timeout}. */
    AUTH_TIMEOUT(1008, "Auth timeout"),
    /**
     * {@code --max-pending-connections} was reached and this was the oldest connection still waiting to
     * authenticate: it made room for a newer one.
     */
    SERVER_BUSY(1008, "Server busy"),
    /** The first frame was binary, not JSON, or not a well-formed {@code auth} message. */
    EXPECTED_AUTH(1008, "Expected auth message"),
    /** Bad signature, wrong algorithm, wrong issuer, missing claims or not a JWT at all. */
    INVALID_TOKEN(1008, "Invalid token"),
    /** The token's {@code exp} has passed (beyond the clock leeway), at auth or later on an open connection. */
    TOKEN_EXPIRED(1008, "Token expired"),
    /** The auth message asked for encryption the server does not offer (no keys, or an unknown scheme). */
    ENCRYPTION_UNAVAILABLE(1008, "Encryption unavailable"),
    /** A ticket that is unknown, already used or past its 30 seconds. */
    INVALID_TICKET(1008, "Invalid or expired ticket"),
    /** The token (or every token of its user) was revoked by a logout. */
    TOKEN_REVOKED(1008, "Token revoked"),
    /** The user was removed from the users file or disabled. */
    USER_DISABLED(1008, "User disabled"),
    /** The user was blocked (too many violations, or by an admin) while connected. */
    BLOCKED_FOR_ABUSE(1008, "Blocked for abuse"),
    /** The token is fine but its user is blocked for now. */
    USER_BLOCKED(1008, "User blocked"),
    /** More than {@code --max-outbound-bytes} waited for a peer that stopped reading. */
    SLOW_CONSUMER(1008, "Slow consumer"),
    /** More pings and pongs than protocol.md §10 allows: before auth a handful, after it a burst and a steady rate. */
    CONTROL_FLOOD(1008, "Too many control frames"),
    /**
     * The server's memory budget for what peers make it hold is spent, and this connection held the most of
     * it (protocol.md §10): shed so the others keep their service.
     */
    OVERLOADED(1013, "Server overloaded"),
    /** The server is stopping; another instance (or this one, restarted) will take the client. */
    SERVER_SHUTDOWN(1001, "Server shutting down"),
    /** A bug on the server's side; the connection cannot continue. */
    INTERNAL_ERROR(1011, "Internal error"),
    /**
     * A check at auth could not be made because the cluster's shared state is unreachable (revocations, blocks,
     * tickets): the auth fails closed. Nothing is wrong with the credential.
     */
    TRY_AGAIN_LATER(1011, "Try again later");

    private final int code;
    private final String reason;

    CloseReason(int code, String reason) {
        this.code = code;
        this.reason = reason;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }
}
