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

    RequestRefusedException(String code, String serverMessage, Long retryAfterMs) {
        super(code + ": " + serverMessage);
        this.code = code;
        this.serverMessage = serverMessage;
        this.retryAfterMs = retryAfterMs;
    }

    /** The stable error code, e.g. {@code not_a_member}, {@code access_denied}, {@code rate_limited}. */
    public String code() {
        return code;
    }

    /** The server's human-readable text; may change between versions. */
    public String serverMessage() {
        return serverMessage;
    }

    /** For {@code rate_limited}: how long nothing more should be sent on any connection of the user. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfterMs).map(Duration::ofMillis);
    }
}
