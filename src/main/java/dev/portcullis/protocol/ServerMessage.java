package dev.portcullis.protocol;

import java.util.List;

/** A message the server sends, encoded to one text frame by {@link MessageCodec}. */
public sealed interface ServerMessage permits ServerMessage.AuthOk, ServerMessage.Error, ServerMessage.Joined,
        ServerMessage.Left, ServerMessage.RoomMessage, ServerMessage.Presence, ServerMessage.Refreshed,
        ServerMessage.Expiring {

    /** A refresh was accepted: the session now ends at {@code expiresAt} (epoch seconds; protocol.md §13.2). */
    record Refreshed(long expiresAt) implements ServerMessage {
    }

    /** The session's token ends soon; refresh before {@code expiresAt} or be closed (protocol.md §13.3). */
    record Expiring(long expiresAt) implements ServerMessage {
    }

    /** The gate is open: who the connection now speaks for, and until when (protocol.md §4.2). */
    record AuthOk(String user, List<String> roles, long expiresAt, String encryption) implements ServerMessage {
        public AuthOk {
            roles = List.copyOf(roles);
        }

        public AuthOk(String user, List<String> roles, long expiresAt) {
            this(user, roles, expiresAt, null);
        }
    }

    /**
     * A request was refused; the connection stays open (protocol.md §4.3).
     *
     * @param room the room the refused request named, or null
     * @param id   the client id of the refused message, or null
     * @param retryAfterMs for {@code rate_limited}: when the next message would be accepted, or null
     */
    record Error(ErrorCode code, String message, String room, String id, Long retryAfterMs) implements ServerMessage {
        public Error(ErrorCode code, String message) {
            this(code, message, null, null, null);
        }

        public Error(ErrorCode code, String message, String room, String id) {
            this(code, message, room, id, null);
        }
    }

    /** The connection is now a member of {@code room}; {@code members} are the users present, sorted. */
    record Joined(String room, List<String> members) implements ServerMessage {
        public Joined {
            members = List.copyOf(members);
        }
    }

    /** The connection is no longer a member of {@code room}. */
    record Left(String room) implements ServerMessage {
    }

    /** A message relayed to every member of a room, the sender included; {@code seq} orders the room. */
    record RoomMessage(String room, String from, String payloadJson, String id, long seq, long ts)
            implements ServerMessage {
    }

    /** A user's first connection joined a room, or its last one left. */
    record Presence(String room, String user, PresenceEvent event) implements ServerMessage {
    }

    /** The {@code event} of a presence message. */
    enum PresenceEvent {
        JOIN("join"), LEAVE("leave");

        private final String wire;

        PresenceEvent(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }
}
