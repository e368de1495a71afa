package dev.portcullis.protocol;

/** A text frame that is not a valid client message; the message is safe to send back (it never quotes input). */
public final class MalformedMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String message) {
        super(message, null, false, false);
    }
}
