package dev.portcullis.client;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code POST /auth/login} or {@code POST /auth/refresh} gave no token (protocol.md §7.1, §7.5), or the
 * token supplier failed. {@link #status()} is the HTTP status (0 when there was no answer: a network
 * failure or a supplier exception, which is then the cause), {@link #error()} the body's {@code error}
 * code, such as {@code invalid_credentials}.
 */
public final class LoginFailedException extends PortcullisException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;
    private final Duration retryAfter;

    LoginFailedException(String path, int status, String error, Duration retryAfter) {
        super(path + " answered HTTP " + status + (error.isEmpty() ? "" : " " + error));
        this.status = status;
        this.error = error;
        this.retryAfter = retryAfter;
    }

    LoginFailedException(String what, Throwable cause) {
        super(what + " failed: " + cause, cause);
        this.status = 0;
        this.error = "";
        this.retryAfter = null;
    }

    /** The HTTP status, or 0 if no answer came. */
    public int status() {
        return status;
    }

    /** The {@code error} field of the answer, e.g. {@code invalid_credentials}; empty if none. */
    public String error() {
        return error;
    }

    /** {@code Retry-After} of a 429 or 503. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** 401 and 400 need the user (or the code) to change something; retrying as is cannot help. */
    boolean permanent() {
        return status == 400 || status == 401;
    }
}
