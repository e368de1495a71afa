package dev.portcullis.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a {@link PortcullisClient} reports. Every method has an empty default, so implement only what
 * you need. All calls come from the client's one event thread, one at a time, in the order things
 * happened; a callback must return quickly and must not block on the client (no {@code connect()},
 * no {@code close()}, no {@code join()} on a returned future): the thread that calls it is the one that
 * reads the socket, so while it waits nothing else happens and the server eventually counts the client
 * as a slow consumer. Hand slow work to another thread. An exception thrown by a callback is logged and
 * otherwise ignored.
 */
public interface ClientListener {
    /** A presence change in a room (protocol.md §4.8). */
    enum PresenceEvent {
        /** The user's first connection joined the room. */
        JOIN,
        /** The user's last connection left the room or disconnected. */
        LEAVE
    }

    /**
     * {@code auth_ok} arrived (protocol.md §4.2), after {@code connect()} and after every reconnect. The
     * rooms joined before a reconnect have already been asked for again when this is called, so a request
     * made from here reaches the server after those joins.
     */
    default void onAuthenticated(String user, List<String> roles, Instant expiresAt) {
    }

    /** The answer to a {@code join}, the client's own re-joins after a reconnect included (protocol.md §4.5). */
    default void onJoined(String room, List<String> members) {
    }

    /**
     * A message relayed to a room this connection is in (protocol.md §4.7), including this client's own
     * messages, whose relayed copy is also their acknowledgement.
     *
     * @param payloadJson the payload as compact JSON text
     * @param id          the sender's id, or null
     * @param seq         the message's number in the room
     * @param ts          when the server relayed it, epoch milliseconds
     */
    default void onMessage(String room, String from, String payloadJson, String id, long seq, long ts) {
    }

    /** Another user arrived in or left a room this connection is in. */
    default void onPresence(String room, String user, PresenceEvent event) {
    }

    /**
     * The server refused a request with {@code error} (protocol.md §4.3, §5); the connection stays open.
     * Called for every error, also those that fail a future the client returned.
     */
    default void onError(String code, String message) {
    }

    /** The connection now ends at {@code expiresAt}: a {@code refresh} was accepted (protocol.md §4.10). */
    default void onRefreshed(Instant expiresAt) {
    }

    /** The client moved from one state to another. */
    default void onStateChange(ClientState from, ClientState to) {
    }

    /**
     * A WebSocket connection ended: the server's close code and reason, 1006 if it was lost without a
     * close frame. Then comes {@link #onReconnecting} or, if protocol.md §6 says not to reconnect (or the
     * application closed the client), {@link #onStateChange} to {@link ClientState#CLOSED}.
     */
    default void onClosed(int code, String reason) {
    }

    /** The next attempt, numbered from 1 since the last {@code auth_ok}, starts after {@code delay}. */
    default void onReconnecting(int attempt, Duration delay) {
    }
}
