package dev.portcullis.client;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a {@link PortcullisClient} is. The moves:
 *
 * <pre>
 *   NEW --connect()--> CONNECTING --auth_ok--> AUTHENTICATED
 *                        ^    |                     |
 *        backoff timer   |    | attempt failed      | connection lost, closed by the server
 *                        |    v                     v
 *                      RECONNECTING <---------------+
 *
 *   any state --close(), or a close after which protocol.md §6 says never to reconnect--> CLOSED
 * </pre>
 *
 * A first {@code connect()} that fails goes straight to CLOSED: only a client that has been
 * authenticated once reconnects on its own.
 */
public enum ClientState {
    /** Built, {@code connect()} not called yet. */
    NEW,
    /** Logging in, opening the socket, or waiting for {@code auth_ok}. */
    CONNECTING,
    /** Past the gate: requests may be sent. */
    AUTHENTICATED,
    /** Waiting for the backoff delay before the next attempt. */
    RECONNECTING,
    /** For good: closed by the application, or by a close that must not be retried. */
    CLOSED;

    private Set<ClientState> next() {
        return switch (this) {
            case NEW -> EnumSet.of(CONNECTING, CLOSED);
            case CONNECTING -> EnumSet.of(AUTHENTICATED, RECONNECTING, CLOSED);
            case AUTHENTICATED -> EnumSet.of(RECONNECTING, CLOSED);
            case RECONNECTING -> EnumSet.of(CONNECTING, CLOSED);
            case CLOSED -> EnumSet.noneOf(ClientState.class);
        };
    }

    /** Returns {@code to} if this state may move there; otherwise the client has a bug. */
    ClientState moveTo(ClientState to) {
        if (!next().contains(to)) {
            throw new IllegalStateException("illegal client state change " + this + " -> " + to);
        }
        return to;
    }
}
