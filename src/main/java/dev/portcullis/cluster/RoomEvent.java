package dev.portcullis.cluster;

import java.util.List;

/** One step of a room's order (protocol.md §11.2), as every instance with members in the room receives it. */
public sealed interface RoomEvent {
    String room();

    /**
     * {@code member} joined; {@code members} are the users present at this point of the order, {@code seq}
     * the last seq given out. {@code firstOfUser}: no other connection of the user was in the room, so the
     * other users see {@code presence} join. {@code again}: a repeated join, which changes nothing.
     */
    record Joined(String room, Member member, boolean again, boolean firstOfUser, List<String> members, long seq)
            implements RoomEvent {
        public Joined {
            members = List.copyOf(members);
        }
    }

    /** {@code member} left; {@code lastOfUser}: it was the user's last connection in the room. */
    record Left(String room, Member member, boolean lastOfUser) implements RoomEvent {
    }

    /** A message of {@code from}, numbered {@code seq} in the room. */
    record Message(String room, Member from, String payloadJson, String id, long seq, long timestamp)
            implements RoomEvent {
    }
}
