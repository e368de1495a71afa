package dev.portcullis.cluster;

/**
 * What an instance must act on, wherever in the cluster it happened. Called on the engine's threads; an
 * implementation only queues frames and starts closes, never blocks.
 */
public interface StateListener {
    /** The next event of a room this instance has members in, in the room's order. */
    void roomEvent(RoomEvent event);

    /** Some tokens of {@code user} were revoked: check that user's sessions again. */
    void revoked(String user);

    /** {@code user} was blocked: close that user's sessions. */
    void blocked(String user);
}
