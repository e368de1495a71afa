package dev.portcullis.auth;

/** A token that must not be accepted, with the reason a client is allowed to learn. */
public final class TokenRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a token was refused; {@code INVALID} covers everything a forger could probe for. */
    public enum Reason { INVALID, EXPIRED }

    private final Reason reason;

    public TokenRejectedException(Reason reason, String detail) {
        // The detail names the failed check (never the token) and is logged at debug level only.
        super(detail, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
