package dev.portcullis.cluster;

import dev.portcullis.auth.RevocationStore;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.limit.Blocklist;
import dev.portcullis.limit.RateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared state of a single instance: memory, plus the revocation and block files in the data dir.
 * Every call completes at once, and room events are delivered to the room listener before the call returns,
 * under the room's lock, which is what gives each room its one order.
 */
public final class LocalState implements SharedState {
    private record Ticket(VerifiedToken identity, Instant expiresAt) {
    }

    /** A room's presence (connections per user) and its last seq; guarded by itself. */
    private static final class RoomOrder {
        final Map<String, Set<String>> connections = new TreeMap<>();
        long seq;
        boolean ended;
    }

    private final RevocationStore revocations;
    private final Blocklist blocklist;
    private final RateLimiter rate;
    private final Clock clock;
    private final ConcurrentHashMap<String, Ticket> tickets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, RoomOrder> rooms = new ConcurrentHashMap<>();
    /** Set once at wiring, read by whichever thread makes a change. */
    private volatile RoomEventListener roomListener;
    private volatile SecurityEventListener securityListener;
    /** The revocation file is rewritten without expired entries this often, not on every purge. */
    private static final Duration COMPACTION_INTERVAL = Duration.ofHours(1);
    /** Only the purging thread touches this. */
    private Instant nextCompaction;

    public LocalState(RevocationStore revocations, Blocklist blocklist, RateLimiter rate, Clock clock) {
        this.revocations = revocations;
        this.blocklist = blocklist;
        this.rate = rate;
        this.clock = clock;
        this.nextCompaction = clock.instant().plus(COMPACTION_INTERVAL);
    }

    @Override
    public String engine() {
        return "memory";
    }

    @Override
    public boolean available() {
        return true;
    }

    @Override
    public void listenToRooms(RoomEventListener listener) {
        this.roomListener = listener;
    }

    @Override
    public void listenToSecurity(SecurityEventListener listener) {
        this.securityListener = listener;
    }

    @Override
    public CompletableFuture<Void> putTicket(String ticketDigest, VerifiedToken identity, Instant expiresAt) {
        tickets.put(ticketDigest, new Ticket(identity, expiresAt));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Optional<VerifiedToken>> takeTicket(String ticketDigest) {
        Ticket t = tickets.remove(ticketDigest);
        boolean valid = t != null && t.expiresAt().isAfter(clock.instant());
        return CompletableFuture.completedFuture(valid ? Optional.of(t.identity()) : Optional.empty());
    }

    @Override
    public void purgeExpired() {
        Instant now = clock.instant();
        tickets.values().removeIf(t -> !t.expiresAt().isAfter(now));
        rate.purgeIdle();
        if (!now.isBefore(nextCompaction)) {
            nextCompaction = now.plus(COMPACTION_INTERVAL);
            revocations.compactNow();
        }
    }

    /** Unredeemed tickets held, for tests of the memory bound. */
    public int ticketCount() {
        return tickets.size();
    }

    @Override
    public CompletableFuture<Long> acquire(String user) {
        return CompletableFuture.completedFuture(rate.tryAcquire(user));
    }

    @Override
    public boolean isRevoked(VerifiedToken token) {
        return revocations.isRevoked(token);
    }

    @Override
    public CompletableFuture<Void> revoke(VerifiedToken token) {
        return revocations.revoke(token).thenRun(() -> securityListener.revoked(token.subject()));
    }

    @Override
    public CompletableFuture<Void> revokeAll(String user, Duration longestTokenLife) {
        return revocations.revokeAll(user, longestTokenLife).thenRun(() -> securityListener.revoked(user));
    }

    @Override
    public Optional<Blocklist.Block> findBlock(String user) {
        return blocklist.find(user);
    }

    @Override
    public List<Blocklist.Block> blocks() {
        return blocklist.list();
    }

    @Override
    public CompletableFuture<Blocklist.Block> block(String user, Instant until, String reason) {
        CompletableFuture<Blocklist.Block> stored = blocklist.block(user, until, reason);
        // Sessions close now, not once the file is written: the block is in force from this moment.
        securityListener.blocked(user);
        return stored;
    }

    @Override
    public CompletableFuture<Boolean> unblock(String user) {
        return blocklist.unblock(user);
    }

    @Override
    public CompletableFuture<Void> join(String room, Member member) {
        while (true) {
            RoomOrder order = rooms.computeIfAbsent(room, r -> new RoomOrder());
            synchronized (order) {
                if (order.ended) {
                    continue; // emptied and removed meanwhile: this join starts a new life of the room
                }
                Set<String> own = order.connections.computeIfAbsent(member.user(), u -> new HashSet<>());
                boolean first = own.isEmpty();
                boolean again = !own.add(member.key());
                roomListener.roomEvent(new RoomEvent.Joined(room, member, again, first,
                        new ArrayList<>(order.connections.keySet()), order.seq));
                return CompletableFuture.completedFuture(null);
            }
        }
    }

    @Override
    public CompletableFuture<Void> leave(String room, Member member) {
        RoomOrder order = rooms.get(room);
        if (order == null) {
            return CompletableFuture.completedFuture(null);
        }
        synchronized (order) {
            Set<String> own = order.connections.get(member.user());
            if (own == null || !own.remove(member.key())) {
                return CompletableFuture.completedFuture(null);
            }
            if (own.isEmpty()) {
                order.connections.remove(member.user());
            }
            roomListener.roomEvent(new RoomEvent.Left(room, member, own.isEmpty()));
            if (order.connections.isEmpty()) {
                order.ended = true;
                rooms.remove(room, order);
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Long> publish(String room, Member from, String payloadJson, String id, long timestamp) {
        RoomOrder order = rooms.get(room);
        if (order == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no such room"));
        }
        synchronized (order) {
            if (order.ended) {
                return CompletableFuture.failedFuture(new IllegalStateException("no such room"));
            }
            long seq = ++order.seq;
            roomListener.roomEvent(new RoomEvent.Message(room, from, payloadJson, id, seq, timestamp));
            return CompletableFuture.completedFuture(seq);
        }
    }

    /** Rooms with at least one member. */
    public int roomCount() {
        return rooms.size();
    }

    @Override
    public void close() {
        revocations.close();
        blocklist.close();
    }
}
