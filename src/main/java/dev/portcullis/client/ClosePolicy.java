package dev.portcullis.client;

import dev.portcullis.protocol.CloseReason;

/**
 * What protocol.md §6 says to do after a close: 1008 alone is ambiguous, so the reason text decides.
 * The exact reason strings are the server's own ({@link CloseReason}).
 */
enum ClosePolicy {
    /** 1001 {@code Server shutting down}: reconnect within a random second; keep the token. */
    AT_ONCE,
    /** Reconnect after the backoff delay; keep the token. */
    BACKOFF,
    /** Only with a new credential: log in again (or ask the token supplier), then reconnect. */
    RELOGIN,
    /** A client bug, a logout, a disabled or blocked user, or a reason this client does not know. */
    NEVER;

    static ClosePolicy of(int code, String reason) {
        for (CloseReason r : CloseReason.values()) {
            if (r.code() == code && r.reason().equals(reason)) {
                return of(r);
            }
        }
        return switch (code) {
            // A 1001 with another reason (from a proxy, say) is read as a shutdown too.
            case 1001 -> AT_ONCE;
            // 1008: "A 1008 with a reason not listed here: stop and report."
            // 1000: the server only echoes our own close. 1002, 1007, 1009: a client or library bug.
            case 1008, 1000, 1002, 1007, 1009 -> NEVER;
            // 1006 (lost, or never opened), and any code not listed: "treat like 1006".
            default -> BACKOFF;
        };
    }

    /** Every close the server sends has its decision here: a new {@link CloseReason} does not compile without one. */
    static ClosePolicy of(CloseReason reason) {
        return switch (reason) {
            case SERVER_SHUTDOWN -> AT_ONCE;
            case AUTH_TIMEOUT, SERVER_BUSY, SLOW_CONSUMER, OVERLOADED, INTERNAL_ERROR, TRY_AGAIN_LATER -> BACKOFF;
            // This client authenticates with tokens, never tickets; a new credential serves both.
            case INVALID_TOKEN, TOKEN_EXPIRED, INVALID_TICKET -> RELOGIN;
            // Client bugs: the same request fails the same way every time.
            case EXPECTED_AUTH, ENCRYPTION_UNAVAILABLE, CONTROL_FLOOD -> NEVER;
            // A logout, which an automatic login would undo.
            case TOKEN_REVOKED -> NEVER;
            // The operator or the abuse controls shut the user out; a new token does not help.
            case USER_DISABLED, BLOCKED_FOR_ABUSE, USER_BLOCKED -> NEVER;
        };
    }
}
