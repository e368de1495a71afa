package dev.portcullis.client;

import java.time.Duration;
import java.util.Optional;

/**
 * The server answered a {@code join}, {@code leave}, {@code message} or {@code refresh} with an
 * {@code error} (protocol.md §4.3, §5); the connection stays open. Branch on {@link #code()}.
 */
public final class RequestRefusedException extends PortcullisException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final String serverMessage;
    private final Long retryAfterMs;
    private final String room;
    private final String id;

    RequestRefusedException(String code, String serverMessage, Long retryAfterMs, String room, String id) {
        super(code + ": " + serverMessage);
        this.code = code;
        this.serverMessage = serverMessage;
        this.retryAfterMs = retryAfterMs;
        this.room = room;
        this.id = id;
    }

    /** The stable error code, e.g. {@code not_a_member}, {@code access_denied}, {@code rate_limited}. */
    public String code() {
        return code;
    }

    /** The server's human-readable text; may change between versions. */
    public String serverMessage() {
        return serverMessage;
    }

    /**
     * The {@code room} the error names, if any: the request's room for {@code not_a_member},
     * {@code access_denied} or {@code too_many_rooms}; absent e.g. for {@code invalid_room} and for a
     * rate-limited {@code join} (protocol.md §5).
     */
    public Optional<String> room() {
        return Optional.ofNullable(room);
    }

    /** The {@code id} of the refused {@code message}, echoed by the server, if it had one. */
    public Optional<String> id() {
        return Optional.ofNullable(id);
    }

    /** For {@code rate_limited}: how long nothing more should be sent on any connection of the user. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfterMs).map(Duration::ofMillis);
    }
}
