package dev.portcullis.session;

/** The transport under a session: what the gate needs from a WebSocket, and nothing else. */
public interface Connection {
    /** Queues one text frame; never blocks. */
    void send(String text);

    /** Starts the closing handshake with {@code code} and {@code reason}; safe to call from any thread, and more than once. */
    void close(int code, String reason);

    /** The peer's address as {@code host:port}, for the audit log. */
    String remoteAddress();
}
