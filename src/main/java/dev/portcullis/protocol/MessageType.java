package dev.portcullis.protocol;

/**
 * The values of the {@code type} field (protocol.md §4), shared by the server's {@link MessageCodec} and the
 * Java client so the two spell every message alike. Constants, not an enum, so that a codec can switch on
 * the field's text.
 */
public final class MessageType {
    // Sent by clients.
    public static final String AUTH = "auth";
    public static final String REFRESH = "refresh";
    public static final String JOIN = "join";
    public static final String LEAVE = "leave";
    /** Sent by a client to a room, and relayed by the server to its members. */
    public static final String MESSAGE = "message";

    // Sent by the server.
    public static final String AUTH_OK = "auth_ok";
    public static final String ERROR = "error";
    public static final String JOINED = "joined";
    public static final String LEFT = "left";
    public static final String PRESENCE = "presence";
    public static final String REFRESHED = "refreshed";
    public static final String EXPIRING = "expiring";

    private MessageType() {
    }
}
