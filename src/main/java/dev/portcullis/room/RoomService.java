package dev.portcullis.room;

import dev.portcullis.cluster.BrokerUnavailableException;
import dev.portcullis.cluster.Member;
import dev.portcullis.cluster.RoomEvent;
import dev.portcullis.cluster.RoomEventListener;
import dev.portcullis.cluster.SharedState;
import dev.portcullis.protocol.ErrorCode;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.RoomName;
import dev.portcullis.protocol.ServerMessage;
import dev.portcullis.session.Session;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join, leave and message requests of this instance's connections, and the delivery of every room
 * event the shared state orders (protocol.md §4.4-§4.8, §11). A request goes to the shared state, which
 * gives the room its one order; this instance acts on the events it gets back, its own included: the
 * sender's copy of a message and the answer to a join arrive in the room's order like everything else.
 */
public final class RoomService implements RoomEventListener {
    private static final Logger log = LoggerFactory.getLogger(RoomService.class);

    /** How a join ended, for the abuse controls: repeated denials count as violations. */
    public enum JoinOutcome { JOINED, ACCESS_DENIED, REFUSED }

    private record PendingJoin(Session session, String room, CompletableFuture<JoinOutcome> done) {
    }

    /** A message waiting for its own copy, which carries {@code id}: unique to this message. */
    private record PendingPublish(PublishId id, CompletableFuture<Void> copied) {
    }

    /** This instance's members, by room; a room is here while it has local members. */
    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    /**
     * Requests waiting for their own event, by member key. A connection's messages are handled one at a time,
     * so each connection has at most one of each.
     */
    private final ConcurrentHashMap<String, PendingJoin> pendingJoins = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PendingPublish> pendingPublishes = new ConcurrentHashMap<>();
    /** Numbers this instance's messages, so a copy that comes back late is never taken for a later message's. */
    private final AtomicLong published = new AtomicLong();
    private final RoomPolicy policy;
    private final MessageCodec codec;
    private final Clock clock;
    private final int maxRoomsPerConnection;
    private final SharedState shared;
    private final String instance;
    /** How long a request waits for its own event before it is answered {@code broker_unavailable}. */
    private final Duration eventTimeout;

    public RoomService(RoomPolicy policy, MessageCodec codec, Clock clock, int maxRoomsPerConnection,
                        SharedState shared, String instance, Duration eventTimeout) {
        this.policy = policy;
        this.codec = codec;
        this.clock = clock;
        this.maxRoomsPerConnection = maxRoomsPerConnection;
        this.shared = shared;
        this.instance = instance;
        this.eventTimeout = eventTimeout;
    }

    /** The cluster-wide name of {@code session} in rooms. */
    public Member member(Session session) {
        return new Member(session.user(), instance + "/" + session.id());
    }

    /** Joins {@code room}; completes once {@code joined} or the refusal is queued. */
    public CompletableFuture<JoinOutcome> join(Session session, String room) {
        if (!RoomName.isValid(room)) {
            error(session, ErrorCode.INVALID_ROOM, null, null, RoomName.RULE);
            return CompletableFuture.completedFuture(JoinOutcome.REFUSED);
        }
        if (!policy.allows(session.identity(), room)) {
            error(session, ErrorCode.ACCESS_DENIED, room, null, "you may not join this room");
            return CompletableFuture.completedFuture(JoinOutcome.ACCESS_DENIED);
        }
        switch (session.reserveRoom(room, maxRoomsPerConnection)) {
            case LIMIT_REACHED -> {
                error(session, ErrorCode.TOO_MANY_ROOMS, room, null,
                        "a connection may be in at most " + maxRoomsPerConnection + " rooms");
                return CompletableFuture.completedFuture(JoinOutcome.REFUSED);
            }
            case NOT_AUTHENTICATED -> {
                return CompletableFuture.completedFuture(JoinOutcome.REFUSED);
            }
            case ADDED, ALREADY_MEMBER -> {
                // Both go through the room's order: a repeated join's members are exact at its own point of it.
            }
        }
        Member member = member(session);
        CompletableFuture<JoinOutcome> done = new CompletableFuture<>();
        pendingJoins.put(member.key(), new PendingJoin(session, room, done));
        shared.join(room, member).whenComplete((v, failure) -> {
            if (failure != null) {
                joinFailed(session, room, member, failure);
            }
        });
        return done.completeOnTimeout(null, eventTimeout.toMillis(), TimeUnit.MILLISECONDS).thenApply(outcome -> {
            if (outcome == null) {
                joinFailed(session, room, member, new BrokerUnavailableException("no joined event in time"));
                return JoinOutcome.REFUSED;
            }
            return outcome;
        });
    }

    private void joinFailed(Session session, String room, Member member, Throwable failure) {
        PendingJoin pending = pendingJoins.get(member.key());
        if (pending == null || !pending.room().equals(room) || !pendingJoins.remove(member.key(), pending)) {
            return; // answered meanwhile
        }
        log.debug("{}: join of {} failed: {}", session.id(), room, failure.toString());
        boolean member0 = isLocalMember(session, room);
        if (!member0) {
            session.releaseRoom(room);
            shared.leave(room, member); // in case the join reached the order after all
        }
        error(session, ErrorCode.BROKER_UNAVAILABLE, room, null,
                "the room could not be joined now; try again later");
        pending.done().complete(JoinOutcome.REFUSED);
    }

    public CompletableFuture<Void> leave(Session session, String room) {
        if (!session.releaseRoom(room)) {
            error(session, ErrorCode.NOT_A_MEMBER, RoomName.isValid(room) ? room : null, null,
                    "this connection has not joined that room");
            return CompletableFuture.completedFuture(null);
        }
        Member member = member(session);
        removeLocal(session, room);
        send(session, new ServerMessage.Left(room));
        // The connection is out of the room now; presence follows through the room's order.
        return shared.leave(room, member).handle((v, failure) -> {
            if (failure != null) {
                log.debug("{}: leave of {} not recorded in the shared state: {}", session.id(), room, failure.toString());
            }
            return null;
        });
    }

    /**
     * Relays a message to every member of {@code room}, the sender included, or tells the sender why not;
     * completes once the sender's own copy (or the refusal) is queued.
     */
    public CompletableFuture<Void> publish(Session session, String room, String payloadJson, String id) {
        Room r = session.inRoom(room) ? rooms.get(room) : null;
        if (r == null || !r.contains(session)) {
            error(session, ErrorCode.NOT_A_MEMBER, RoomName.isValid(room) ? room : null, id,
                    "join the room before sending to it; nothing was delivered");
            return CompletableFuture.completedFuture(null);
        }
        Member member = member(session);
        PublishId publishId = PublishId.of(member, published.incrementAndGet());
        Member from = publishId.sender(member.user());
        PendingPublish pending = new PendingPublish(publishId, new CompletableFuture<>());
        CompletableFuture<Void> copied = pending.copied();
        pendingPublishes.put(member.key(), pending);
        shared.publish(room, from, payloadJson, id, clock.millis()).whenComplete((seq, failure) -> {
            if (failure != null && pendingPublishes.remove(member.key(), pending)) {
                log.debug("{}: publish to {} failed: {}", session.id(), room, failure.toString());
                if (failure instanceof CompletionException && failure.getCause() != null) {
                    failure = failure.getCause();
                }
                if (failure instanceof BrokerUnavailableException) {
                    error(session, ErrorCode.BROKER_UNAVAILABLE, room, id,
                            "the message could not be relayed now; nothing was delivered");
                } else {
                    // The room's order no longer has this member (it ended meanwhile): as for any non-member.
                    error(session, ErrorCode.NOT_A_MEMBER, room, id,
                            "join the room before sending to it; nothing was delivered");
                }
                copied.complete(null);
            }
        });
        return copied.completeOnTimeout(null, eventTimeout.toMillis(), TimeUnit.MILLISECONDS).thenRun(() -> {
            if (pendingPublishes.remove(member.key(), pending)) {
                // Neither the copy nor a failure in time: say so, so the sender is never left without an answer.
                error(session, ErrorCode.BROKER_UNAVAILABLE, room, id,
                        "no confirmation from the cluster in time; the message may have been relayed");
            }
        });
    }

    /** Takes a closed connection out of every room it was in. */
    public void disconnect(Session session) {
        Member member = member(session);
        PendingJoin pending = pendingJoins.remove(member.key());
        if (pending != null) {
            pending.done().complete(JoinOutcome.REFUSED);
        }
        PendingPublish publish = pendingPublishes.remove(member.key());
        if (publish != null) {
            publish.copied().complete(null);
        }
        for (String room : session.releaseAllRooms()) {
            removeLocal(session, room);
            shared.leave(room, member);
        }
    }

    /** The next event of a room, in the room's order: called by the shared state this service listens to. */
    @Override
    public void roomEvent(RoomEvent event) {
        if (event instanceof RoomEvent.Joined j) {
            joined(j);
        } else if (event instanceof RoomEvent.Left l) {
            Room r = rooms.get(l.room());
            if (r != null && l.lastOfUser()) {
                r.broadcastExcept(l.member().user(), codec.outbound(
                        new ServerMessage.Presence(l.room(), l.member().user(), ServerMessage.PresenceEvent.LEAVE)));
            }
        } else if (event instanceof RoomEvent.Message m) {
            Room r = rooms.get(m.room());
            if (r != null) {
                r.broadcast(codec.outbound(new ServerMessage.RoomMessage(m.room(), m.from().user(), m.payloadJson(),
                        m.id(), m.seq(), m.timestamp())));
            }
            PublishId.parse(m.from().key()).ifPresent(this::copied);
        }
    }

    /** The copy of message {@code id} came back: if its sender is here and still waits for it, it waits no more. */
    private void copied(PublishId id) {
        PendingPublish pending = pendingPublishes.get(id.memberKey());
        if (pending != null && pending.id().equals(id) && pendingPublishes.remove(id.memberKey(), pending)) {
            pending.copied().complete(null);
        }
    }

    private void joined(RoomEvent.Joined j) {
        String room = j.room();
        Member member = j.member();
        if (j.firstOfUser()) {
            Room r = rooms.get(room);
            if (r != null) {
                r.broadcastExcept(member.user(), codec.outbound(
                        new ServerMessage.Presence(room, member.user(), ServerMessage.PresenceEvent.JOIN)));
            }
        }
        if (!member.instance().equals(instance)) {
            return;
        }
        PendingJoin pending = pendingJoins.get(member.key());
        boolean admitted = false;
        if (pending != null && pending.room().equals(room) && pendingJoins.remove(member.key(), pending)) {
            admitted = admit(pending.session(), room, j);
            pending.done().complete(admitted ? JoinOutcome.JOINED : JoinOutcome.REFUSED);
        } else {
            admitted = isLocalMember(pending == null ? null : pending.session(), room);
        }
        if (!admitted && !j.again()) {
            // A join for a connection that closed or gave up meanwhile: take it out of the order again.
            shared.leave(room, member);
        }
    }

    private boolean admit(Session session, String room, RoomEvent.Joined j) {
        if (!session.inRoom(room)) {
            return false; // closed (or left) while the join was on its way
        }
        boolean[] admitted = new boolean[1];
        rooms.compute(room, (name, existing) -> {
            Room r = existing == null ? new Room(name) : existing;
            admitted[0] = r.admit(session, codec.outbound(new ServerMessage.Joined(name, j.members())));
            return r.isEmpty() ? null : r;
        });
        if (!admitted[0]) {
            session.releaseRoom(room);
        }
        return admitted[0];
    }

    private boolean isLocalMember(Session session, String room) {
        Room r = rooms.get(room);
        return session != null && r != null && r.contains(session);
    }

    private void removeLocal(Session session, String room) {
        String user = session.user();
        rooms.computeIfPresent(room, (name, r) -> {
            r.remove(session, user);
            return r.isEmpty() ? null : r;
        });
    }

    /** How many rooms have members on this instance now; zero once every connection has left. */
    public int roomCount() {
        return rooms.size();
    }

    /** How many connection-in-room memberships this instance holds now. */
    public int membershipCount() {
        return rooms.values().stream().mapToInt(Room::connectionCount).sum();
    }

    private void error(Session session, ErrorCode code, String room, String id, String message) {
        send(session, new ServerMessage.Error(code, message, room, id));
    }

    private void send(Session session, ServerMessage message) {
        session.send(codec.outbound(message));
    }
}
