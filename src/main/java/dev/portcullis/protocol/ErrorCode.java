package dev.portcullis.protocol;

/** The stable {@code code} of an {@code error} message; clients branch on these, never on the text. */
public enum ErrorCode {
    /** The frame was not a JSON object with a string {@code type}, or a field had the wrong shape. */
    MALFORMED_MESSAGE("malformed_message"),
    /** The {@code type} is not one this server understands. */
    UNKNOWN_TYPE("unknown_type"),
    /** A second {@code auth} on a connection that is already authenticated. */
    ALREADY_AUTHENTICATED("already_authenticated"),
    /** A binary frame after authentication; the protocol is text only. */
    BINARY_NOT_SUPPORTED("binary_not_supported"),
    /** A room name outside 1-64 characters of {@code A-Z a-z 0-9 . _ : -} ({@link RoomName}). */
    INVALID_ROOM("invalid_room"),
    /** The room rules or the token's {@code rooms} claim do not let this user join that room. */
    ACCESS_DENIED("access_denied"),
    /** A message or leave for a room this connection has not joined; nothing was delivered. */
    NOT_A_MEMBER("not_a_member"),
    /** The connection is already in {@code --max-rooms-per-connection} rooms. */
    TOO_MANY_ROOMS("too_many_rooms"),
    /** The user's message rate is over {@code --rate-limit}; the message was dropped. Carries {@code retry_after_ms}. */
    RATE_LIMITED("rate_limited"),
    /** A refresh token that is invalid, expired, revoked or for another user; the old expiry stands. */
    INVALID_REFRESH("invalid_refresh"),
    /** On an encrypted connection, a frame that is not a valid Fernet token for the server's keys; dropped. */
    DECRYPTION_FAILED("decryption_failed"),
    /**
     * The shared state of a cluster (Redis) cannot be reached, or is not keeping up: the request was not
     * carried out (a message was relayed to nobody). Carries {@code room} and {@code id} when the request had them.
     */
    BROKER_UNAVAILABLE("broker_unavailable");

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    /** The value of the {@code code} field. */
    public String wire() {
        return wire;
    }
}
