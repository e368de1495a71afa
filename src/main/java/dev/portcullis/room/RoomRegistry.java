package dev.portcullis.room;

import dev.portcullis.protocol.ErrorCode;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.OutboundText;
import dev.portcullis.protocol.ServerMessage;
import dev.portcullis.session.Session;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Every live room, and the join, leave and message requests of authenticated connections
 * (protocol.md §4.4-§4.8, §11). A room exists while it has members: the last leave removes it.
 */
public final class RoomRegistry {
    /** protocol.md §4.4: room names are short, printable and safe in logs and URLs. */
    public static final Pattern ROOM_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    private final RoomPolicy policy;
    private final MessageCodec codec;
    private final Clock clock;
    private final int maxRoomsPerConnection;

    public RoomRegistry(RoomPolicy policy, MessageCodec codec, Clock clock, int maxRoomsPerConnection) {
        this.policy = policy;
        this.codec = codec;
        this.clock = clock;
        this.maxRoomsPerConnection = maxRoomsPerConnection;
    }

    /** How a join ended, for the abuse controls: repeated denials count as violations. */
    public enum JoinOutcome { JOINED, ACCESS_DENIED, REFUSED }

    public JoinOutcome join(Session session, String room) {
        if (!ROOM_NAME.matcher(room).matches()) {
            error(session, ErrorCode.INVALID_ROOM, null, null, "room names are 1-64 characters of A-Z a-z 0-9 . _ : -");
            return JoinOutcome.REFUSED;
        }
        if (!policy.allows(session.identity(), room)) {
            error(session, ErrorCode.ACCESS_DENIED, room, null, "you may not join this room");
            return JoinOutcome.ACCESS_DENIED;
        }
        switch (session.reserveRoom(room, maxRoomsPerConnection)) {
            case LIMIT_REACHED -> {
                error(session, ErrorCode.TOO_MANY_ROOMS, room, null,
                        "a connection may be in at most " + maxRoomsPerConnection + " rooms");
                return JoinOutcome.REFUSED;
            }
            case ALREADY_MEMBER -> rejoin(session, room);
            case ADDED -> admit(session, room);
            case NOT_AUTHENTICATED -> {
                return JoinOutcome.REFUSED;
            }
        }
        return JoinOutcome.JOINED;
    }

    private void admit(Session session, String room) {
        OutboundText presence = codec.outbound(new ServerMessage.Presence(room, session.user(), ServerMessage.PresenceEvent.JOIN));
        boolean[] admitted = new boolean[1];
        rooms.compute(room, (name, existing) -> {
            Room r = existing == null ? new Room(name) : existing;
            admitted[0] = r.join(session, presence, users -> codec.outbound(new ServerMessage.Joined(name, users)));
            return r.isEmpty() ? null : r;
        });
        if (!admitted[0]) {
            session.releaseRoom(room); // closed while joining; the close's cleanup did not see this room
        }
    }

    /** A join of a room the connection is already in: the same answer, taken under the room's lock, no presence. */
    private void rejoin(Session session, String room) {
        Room r = rooms.get(room);
        if (r == null || !r.resendJoined(session, users -> codec.outbound(new ServerMessage.Joined(room, users)))) {
            admit(session, room); // the room lost track of this connection: join it for real
        }
    }

    public void leave(Session session, String room) {
        if (!session.releaseRoom(room)) {
            error(session, ErrorCode.NOT_A_MEMBER, ROOM_NAME.matcher(room).matches() ? room : null, null,
                    "this connection has not joined that room");
            return;
        }
        remove(session, room);
        send(session, new ServerMessage.Left(room));
    }

    /** Relays a message to every member of {@code room}, the sender included, or tells the sender why not. */
    public void publish(Session session, String room, String payloadJson, String id) {
        Room r = session.inRoom(room) ? rooms.get(room) : null;
        String from = session.user();
        boolean sent = r != null && r.publish(session, seq -> codec.outbound(
                new ServerMessage.RoomMessage(room, from, payloadJson, id, seq, clock.millis())));
        if (!sent) {
            error(session, ErrorCode.NOT_A_MEMBER, ROOM_NAME.matcher(room).matches() ? room : null, id,
                    "join the room before sending to it; nothing was delivered");
        }
    }

    /** Takes a closed connection out of every room it was in. */
    public void disconnect(Session session) {
        for (String room : session.releaseAllRooms()) {
            remove(session, room);
        }
    }

    private void remove(Session session, String room) {
        String user = session.user();
        OutboundText presence = codec.outbound(new ServerMessage.Presence(room, user, ServerMessage.PresenceEvent.LEAVE));
        rooms.computeIfPresent(room, (name, r) -> {
            r.leave(session, user, presence);
            return r.isEmpty() ? null : r;
        });
    }

    /** How many rooms exist now; zero once every connection has left. */
    public int roomCount() {
        return rooms.size();
    }

    /** How many connection-in-room memberships exist now. */
    public int membershipCount() {
        return rooms.values().stream().mapToInt(Room::connectionCount).sum();
    }

    private void error(Session session, ErrorCode code, String room, String id, String message) {
        send(session, new ServerMessage.Error(code, message, room, id));
    }

    private void send(Session session, ServerMessage message) {
        session.connection().send(codec.outbound(message));
    }
}
