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
    BINARY_NOT_SUPPORTED("binary_not_supported");

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    /** The value of the {@code code} field. */
    public String wire() {
        return wire;
    }
}
