package dev.portcullis.config;

import static dev.portcullis.config.Checks.requirePositive;

import java.time.Duration;

/**
 * What one WebSocket connection may send and how it is looked after: its message and buffer sizes, its
 * upgrade and close deadlines and its heartbeat.
 *
 * @param maxOutboundBytes what may wait for a client that stops reading before it is closed as a slow consumer
 * @param memoryBudget     what all peers together may make the server hold before the heaviest are shed
 * @param handshakeTimeout time a new TCP connection has to complete its upgrade request
 * @param closeTimeout     time a peer has to answer the server's close frame
 */
public record ConnectionConfig(
        int maxMessageBytes,
        long maxOutboundBytes,
        long memoryBudget,
        Duration handshakeTimeout,
        Duration closeTimeout,
        Duration pingInterval) {

    /** Below this a frame cannot even carry an auth message with a realistic JWT. */
    public static final int MIN_MESSAGE_BYTES = 1024;

    public ConnectionConfig {
        if (maxMessageBytes < MIN_MESSAGE_BYTES) {
            throw new IllegalArgumentException("--max-message-bytes must be at least " + MIN_MESSAGE_BYTES);
        }
        // A relayed message is a little larger than what its sender sent; room for two keeps members of a
        // room with full-size messages from being closed as slow consumers on the first one.
        if (maxOutboundBytes < 2L * maxMessageBytes) {
            throw new IllegalArgumentException("--max-outbound-bytes must be at least twice --max-message-bytes");
        }
        // One peer at its outbound limit must fit, or the budget would shed every slow reader it sees.
        if (memoryBudget < maxOutboundBytes) {
            throw new IllegalArgumentException("--memory-budget must be at least --max-outbound-bytes");
        }
        requirePositive("ping-interval", pingInterval);
        requirePositive("close-timeout", closeTimeout);
        requirePositive("handshake-timeout", handshakeTimeout);
    }
}
