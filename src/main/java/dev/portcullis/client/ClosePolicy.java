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
        return switch (code) {
            case 1001 -> AT_ONCE;
            case 1008 -> of1008(reason);
            // 1000: the server only echoes our own close. 1002, 1007, 1009: a client or library bug.
            case 1000, 1002, 1007, 1009 -> NEVER;
            // 1006 (lost, or never opened), 1011 and any code not listed: "treat like 1006".
            default -> BACKOFF;
        };
    }

    private static ClosePolicy of1008(String reason) {
        for (CloseReason r : CloseReason.values()) {
            if (r.code() == 1008 && r.reason().equals(reason)) {
                return switch (r) {
                    case AUTH_TIMEOUT, SERVER_BUSY, SLOW_CONSUMER -> BACKOFF;
                    // This client authenticates with tokens, never tickets; a new credential serves both.
                    case INVALID_TOKEN, TOKEN_EXPIRED, INVALID_TICKET -> RELOGIN;
                    // EXPECTED_AUTH and ENCRYPTION_UNAVAILABLE are client bugs; TOKEN_REVOKED is a logout,
                    // which an automatic login would undo; the user is disabled or blocked otherwise.
                    default -> NEVER;
                };
            }
        }
        return NEVER; // "A 1008 with a reason not listed here: stop and report."
    }
}
