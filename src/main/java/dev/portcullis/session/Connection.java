package dev.portcullis.session;

import dev.portcullis.protocol.OutboundText;
import java.util.function.Function;

/**
 * The transport under a session: what the gate needs from a WebSocket, and nothing else. It decides
 * nothing about the connection's life: whether to send or close is the {@link Session}'s to decide.
 */
public interface Connection {
    /**
     * Queues one text message; never blocks. False when it does not fit under the connection's outbound
     * limit: the message is dropped, and the session closes the connection as a slow consumer.
     */
    boolean send(OutboundText message);

    /** {@link #send} in the clear even on a sealed connection: for {@code decryption_failed}. */
    boolean sendPlain(OutboundText message);

    /**
     * Starts the closing handshake with {@code code} and {@code reason}, from the transport's own thread:
     * never on the caller's, which may hold a room's lock. Safe to call more than once.
     */
    void close(int code, String reason);

    /** Drops the TCP connection at once, without a closing handshake: for a peer that is gone. */
    void abort(String why);

    /** The peer's address as {@code host:port}, for the audit log. */
    String remoteAddress();

    /** The client's address (behind trusted proxies, the one they name), for per-address limits. */
    String clientIp();

    /** The peer passed the gate: it no longer counts as a connection waiting to authenticate. */
    void authenticated();

    /** From now on every message to this peer is sealed with {@code sealer} (protocol.md §14). */
    void sealWith(Function<String, String> sealer);
}
