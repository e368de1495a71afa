package dev.portcullis.gate;

/**
 * A credential that came with the upgrade request instead of a first message: a ticket or token in the
 * query string, or the session cookie. {@link #toString()} never shows it.
 */
public record HandshakeCredential(boolean ticket, String value) {
    @Override
    public String toString() {
        return "HandshakeCredential[" + (ticket ? "ticket" : "token") + "=<redacted>]";
    }
}
