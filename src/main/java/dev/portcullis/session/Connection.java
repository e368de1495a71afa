package dev.portcullis.session;

import dev.portcullis.protocol.OutboundText;
import java.util.function.Function;

/** The transport under a session: what the gate needs from a WebSocket, and nothing else. */
public interface Connection {
    /**
     * Queues one text message; never blocks. Past the connection's outbound limit the message is dropped
     * and the connection is closed as a slow consumer.
     */
    void send(OutboundText message);

    /** Starts the closing handshake with {@code code} and {@code reason}; safe to call from any thread, and more than once. */
    void close(int code, String reason);

    /** The peer's address as {@code host:port}, for the audit log. */
    String remoteAddress();

    /** The client's address (behind trusted proxies, the one they name), for per-address limits. */
    String clientIp();

    /** The peer passed the gate: it no longer counts as a connection waiting to authenticate. */
    void authenticated();

    /** From now on every message to this peer is sealed with {@code sealer} (protocol.md §14). */
    void sealWith(Function<String, String> sealer);

    /** Queues one message in the clear even on a sealed connection: for {@code decryption_failed}. */
    void sendPlain(OutboundText message);
}
