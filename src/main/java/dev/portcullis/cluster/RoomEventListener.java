package dev.portcullis.cluster;

/**
 * Where an instance's room events go, in each room's order (protocol.md §11.2). Called on the engine's
 * threads, under LocalState's room lock: an implementation only queues frames, never blocks.
 */
public interface RoomEventListener {
    /** The next event of a room this instance has members in, in the room's order. */
    void roomEvent(RoomEvent event);
}
