package dev.portcullis.crypto;

/** A Fernet token that must not be trusted; the message names the check that failed, never the token. */
public final class FernetException extends Exception {
    private static final long serialVersionUID = 1L;

    public FernetException(String message) {
        super(message, null, false, false);
    }
}
