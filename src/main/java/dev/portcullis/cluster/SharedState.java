package dev.portcullis.cluster;

import dev.portcullis.auth.TicketVault;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.limit.Blocklist;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Everything the instances of one deployment must agree on: tickets (the {@link TicketVault} auth asks for),
 * the per-user message rate, revocations, blocks, and room order and presence (protocol.md §11, §12, §13).
 * {@link LocalState} keeps it in this process (the embedded default); {@link RedisState} shares it between
 * instances through Redis.
 *
 * <p>Methods that return a future never block the caller: a shared engine does its I/O on threads of its
 * own, and the future fails with {@link BrokerUnavailableException} when the engine cannot be reached. The
 * lookups that return at once ({@link #isRevoked}, {@link #findBlock}) read a copy kept current by the
 * engine, and throw {@link BrokerUnavailableException} when that copy cannot be trusted: security checks
 * fail closed.
 */
public interface SharedState extends TicketVault, AutoCloseable {
    /** {@code "memory"} or {@code "redis"}, as {@code /healthz} reports it. */
    String engine();

    /** Whether the engine serves now; false while Redis is unreachable or this instance has not caught up. */
    boolean available();

    /** Where this instance's room events go; set once, before the first join. */
    void listenToRooms(RoomEventListener listener);

    /** Where this instance hears of revocations and blocks; set once, before the first revocation or block. */
    void listenToSecurity(SecurityEventListener listener);

    // The per-user message rate (§12.1), counted across every instance.

    /** Takes one message of {@code user}'s allowance: 0 if it may pass, else milliseconds until one may. */
    CompletableFuture<Long> acquire(String user);

    // Revocations (§13.4): stored, then announced to every instance's security listener.

    /** Whether {@code token} is revoked. */
    boolean isRevoked(VerifiedToken token);

    CompletableFuture<Void> revoke(VerifiedToken token);

    /** Revokes every token of {@code user} issued up to now; {@code longestTokenLife} bounds how long that matters. */
    CompletableFuture<Void> revokeAll(String user, Duration longestTokenLife);

    // Blocks (§12.2): stored, then announced to every instance's security listener.

    Optional<Blocklist.Block> findBlock(String user);

    /** The blocks in force now, soonest to end first. */
    List<Blocklist.Block> blocks();

    /** Blocks {@code user} (a longer block in force stands) and completes with the block in force. */
    CompletableFuture<Blocklist.Block> block(String user, Instant until, String reason);

    /** Lifts the block on {@code user}; completes with whether there was one. */
    CompletableFuture<Boolean> unblock(String user);

    // Rooms (§11). Each call appends an event to the room's one order; every instance with members in the
    // room receives the events, in that order, through RoomEventListener#roomEvent. The future completes once the
    // event is in the order, not once it has been delivered.

    /**
     * {@code member} joins {@code room} and a {@link RoomEvent.Joined} carrying the room's users at that point
     * is appended; a member already in the room joins again, which changes nothing else.
     */
    CompletableFuture<Void> join(String room, Member member);

    /**
     * {@code member} leaves {@code room} and a {@link RoomEvent.Left} is appended; the room ends with its last
     * member. A member not in the room is no-op: leaves may overtake joins, and the instance that holds the
     * connection undoes a join that arrives for a connection it no longer has.
     */
    CompletableFuture<Void> leave(String room, Member member);

    /** Numbers a message of {@code from} and appends it as a {@link RoomEvent.Message}; completes with its seq. */
    CompletableFuture<Long> publish(String room, Member from, String payloadJson, String id, long timestamp);

    /** Drops what has expired (tickets nobody redeemed, idle rate state, old revocations); run periodically. */
    default void purgeExpired() {
    }

    @Override
    void close();
}
