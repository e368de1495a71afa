package dev.portcullis.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.limit.Blocklist;
import dev.portcullis.limit.RateSpec;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/**
 * The shared state of a cluster in Redis: every instance started with the same Redis URL acts as one server.
 * Commands run in call order on a thread of its own; room events and announcements arrive on another.
 */
public final class RedisState implements SharedState {
    /*
     * How it holds together: RedisConnection keeps the order of calls and the connection's life, RedisRooms
     * the rooms; this class keeps tickets, the rate, revocations and blocks, and says how to catch up.
     *
     * Revocations and blocks live in hashes; every change carries a version and is announced on the events
     * channel by the same script. The Replica answers the security checks from memory and refuses to while it
     * may have missed an announcement: from a lost connection until a snapshot is loaded (fail closed).
     *
     * If Redis lost its data (the epoch key changed), the instance first seeds it again with its replica, so no
     * revocation is forgotten, and its rooms raise each seq to the last one delivered here; only then is it
     * available again.
     *
     * Meant for a standalone Redis, not Redis Cluster: scripts touch keys they compute themselves.
     */
    private static final Logger log = LoggerFactory.getLogger(RedisState.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LuaScript RATE = LuaScript.load("rate");
    private static final LuaScript REPLICA = LuaScript.load("replica");
    private static final RoomEventListener NO_ROOM_LISTENER = event -> {
    };
    private static final SecurityEventListener NO_SECURITY_LISTENER = new SecurityEventListener() {
        @Override
        public void revoked(String user) {
        }

        @Override
        public void blocked(String user) {
        }
    };

    private final RedisUrl url;
    private final String instanceId;
    private final RateSpec rate;
    private final Clock clock;
    private final Duration leeway;
    private final Replica replica;
    private final RedisConnection connection;
    private final RedisRooms rooms;

    /** Set once at wiring, read on the subscriber thread (and the command thread's catch-up). */
    private volatile RoomEventListener roomListener = NO_ROOM_LISTENER;
    private volatile SecurityEventListener securityListener = NO_SECURITY_LISTENER;

    private RedisState(RedisUrl url, String instanceId, RateSpec rate, Clock clock, Duration leeway,
                       RedisTimings timings) {
        this.url = url;
        this.instanceId = instanceId;
        this.rate = rate;
        this.clock = clock;
        this.leeway = leeway;
        this.replica = new Replica(clock);
        this.connection = new RedisConnection(url, instanceId, timings, new ConnectionOwner());
        this.rooms = new RedisRooms(instanceId, connection);
    }

    /**
     * Starts connecting to {@code redisUrl} and returns at once; {@link #available()} turns true once connected
     * and caught up. {@code instanceId} must be unique in the cluster and is the part before the slash of every
     * {@link Member#key()} this instance joins. {@code clockLeeway} is the verifier's: revocations are kept
     * until the tokens they cover would fail verification anyway.
     *
     * @throws IllegalArgumentException if the URL or the instance id is malformed (the message never shows the
     *                                  password)
     */
    public static RedisState start(String redisUrl, String instanceId, RateSpec messageRate, Clock clock,
                                   Duration clockLeeway) {
        return start(RedisUrl.parse(redisUrl), instanceId, messageRate, clock, clockLeeway, RedisTimings.DEFAULT);
    }

    static RedisState start(RedisUrl url, String instanceId, RateSpec messageRate, Clock clock, Duration clockLeeway,
                            RedisTimings timings) {
        if (instanceId.isEmpty() || instanceId.contains("/") || !instanceId.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException("instance id must be printable ASCII without spaces or '/'");
        }
        RedisState state = new RedisState(url, instanceId, messageRate, clock, clockLeeway, timings);
        state.connection.start();
        state.connection.every(timings.sweepEvery(), () -> state.connection.ifAvailable(state.rooms::sweep));
        state.connection.every(timings.pruneEvery(), state::prune);
        return state;
    }

    /** The URL this instance connects to, without its password. */
    public String redactedUrl() {
        return url.redacted();
    }

    /** Completes the first time this instance is connected and caught up. */
    public CompletableFuture<Void> firstAvailable() {
        return connection.firstAvailable();
    }

    @Override
    public String engine() {
        return "redis";
    }

    @Override
    public boolean available() {
        return connection.available();
    }

    @Override
    public void listenToRooms(RoomEventListener listener) {
        this.roomListener = listener;
    }

    @Override
    public void listenToSecurity(SecurityEventListener listener) {
        this.securityListener = listener;
    }

    // ---- tickets

    @Override
    public CompletableFuture<Void> putTicket(String ticketDigest, VerifiedToken identity, Instant expiresAt) {
        long ttl = expiresAt.toEpochMilli() - clock.millis();
        ObjectNode n = JSON.createObjectNode()
                .put("sub", identity.subject())
                .put("iat", identity.issuedAt() == null ? null : identity.issuedAt().toString())
                .put("exp", identity.expiresAt().toString())
                .put("jti", identity.jwtId())
                .put("until", expiresAt.toEpochMilli());
        identity.roles().forEach(n.putArray("roles")::add);
        identity.rooms().ifPresent(rooms -> rooms.forEach(n.putArray("rooms")::add));
        String value = n.toString();
        return connection.call(redis -> {
            if (ttl > 0) {
                // PX, not PXAT: the expiry follows this instance's clock, not Redis's; take checks it as well.
                redis.set(RedisKeys.ticket(ticketDigest), value, SetParams.setParams().px(ttl));
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Optional<VerifiedToken>> takeTicket(String ticketDigest) {
        return connection.call(redis -> Optional.ofNullable(redis.getDel(RedisKeys.ticket(ticketDigest))))
                .thenApply(found -> found.map(RedisState::readTicket)
                        .filter(t -> t.until().isAfter(clock.instant()))
                        .map(StoredTicket::identity));
    }

    private record StoredTicket(VerifiedToken identity, Instant until) {
    }

    private static StoredTicket readTicket(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            List<String> roles = new ArrayList<>();
            n.path("roles").forEach(r -> roles.add(r.asText()));
            Optional<List<String>> rooms = Optional.empty();
            if (n.has("rooms")) {
                List<String> list = new ArrayList<>();
                n.get("rooms").forEach(r -> list.add(r.asText()));
                rooms = Optional.of(list);
            }
            VerifiedToken token = new VerifiedToken(n.path("sub").asText(), roles,
                    n.path("iat").isTextual() ? Instant.parse(n.path("iat").asText()) : null,
                    Instant.parse(n.path("exp").asText()),
                    n.path("jti").isTextual() ? n.path("jti").asText() : null, rooms);
            return new StoredTicket(token, Instant.ofEpochMilli(n.path("until").asLong()));
        } catch (IOException | RuntimeException e) {
            // Not a ticket this version wrote: worthless, and not worth echoing.
            throw new IllegalStateException("unreadable ticket record in redis");
        }
    }

    // ---- rate

    @Override
    public CompletableFuture<Long> acquire(String user) {
        if (rate.isOff()) {
            return CompletableFuture.completedFuture(0L);
        }
        long now = clock.millis();
        boolean bucket = rate.kind() == RateSpec.Kind.BUCKET;
        long idle = bucket ? (long) Math.ceil(rate.count() * 1000.0 / rate.perSecond()) : rate.window().toMillis();
        // A minute more than the state matters, so a clock that runs apart from Redis's never resets it early.
        List<String> args = List.of(bucket ? "bucket" : "window", Integer.toString(rate.count()),
                Double.toString(rate.perSecond()), Long.toString(rate.window().toMillis()), Long.toString(now),
                Long.toString(idle + 60_000));
        return connection.call(redis -> (Long) RATE.run(redis, List.of(RedisKeys.rate(user)), args));
    }

    // ---- revocations and blocks

    // The lookups ask the replica only: it stops answering the moment a connection is lost, and answers again
    // as soon as it is loaded, before the rest of the catching up.

    @Override
    public boolean isRevoked(VerifiedToken token) {
        return replica.isRevoked(token);
    }

    @Override
    public CompletableFuture<Void> revoke(VerifiedToken token) {
        String until = Long.toString(millis(token.expiresAt().plus(leeway)));
        return replicaWrite("token", Replica.key(token), token.subject(), until).thenApply(r -> null);
    }

    @Override
    public CompletableFuture<Void> revokeAll(String user, Duration longestTokenLife) {
        // Whole seconds, as in iat: a token issued in this very second is covered too.
        Instant before = clock.instant().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
        Instant until = before.plus(longestTokenLife).plus(leeway);
        return replicaWrite("user", user, Long.toString(millis(before)), Long.toString(millis(until)))
                .thenApply(r -> null);
    }

    @Override
    public Optional<Blocklist.Block> findBlock(String user) {
        return replica.findBlock(user);
    }

    @Override
    public List<Blocklist.Block> blocks() {
        return replica.blocks();
    }

    @Override
    public CompletableFuture<Blocklist.Block> block(String user, Instant until, String reason) {
        return replicaWrite("block", user, Long.toString(millis(until)), reason == null ? "" : reason)
                .thenApply(r -> new Blocklist.Block(user, Instant.ofEpochMilli(Long.parseLong(String.valueOf(r.get(1)))),
                        String.valueOf(r.get(2))));
    }

    @Override
    public CompletableFuture<Boolean> unblock(String user) {
        return replicaWrite("unblock", user).thenApply(r -> ((Long) r.get(1)) == 1L);
    }

    /**
     * Runs a replica.lua change and completes once this instance's replica holds it, so what a caller just
     * wrote is what this instance answers next.
     */
    private CompletableFuture<List<?>> replicaWrite(String op, String... rest) {
        List<String> args = new ArrayList<>(List.of(RedisKeys.EVENTS, op, Long.toString(clock.millis())));
        args.addAll(List.of(rest));
        CompletableFuture<List<?>> done = new CompletableFuture<>();
        connection.call(redis -> {
            Object reply = REPLICA.run(redis, RedisKeys.REPLICA, args);
            List<?> list = reply instanceof List<?> l ? l : List.of(reply);
            long version = (Long) list.get(0);
            if (version == 0) {
                done.complete(list);
            } else {
                replica.seen(version).whenComplete((v, e) -> {
                    if (e != null) {
                        done.completeExceptionally(e);
                    } else {
                        done.complete(list);
                    }
                });
            }
            return null;
        }).exceptionally(e -> {
            done.completeExceptionally(unwrap(e));
            return null;
        });
        return done;
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static long millis(Instant instant) {
        // Lua numbers are doubles: stay within the integers they hold exactly.
        long limit = 1L << 53;
        if (instant.isAfter(Instant.ofEpochMilli(limit))) {
            return limit;
        }
        return instant.toEpochMilli();
    }

    // ---- rooms

    @Override
    public CompletableFuture<Void> join(String room, Member member) {
        return rooms.join(room, member);
    }

    @Override
    public CompletableFuture<Void> leave(String room, Member member) {
        return rooms.leave(room, member);
    }

    @Override
    public CompletableFuture<Long> publish(String room, Member from, String payloadJson, String id, long timestamp) {
        return rooms.publish(room, from, payloadJson, id, timestamp);
    }

    // ---- connection upkeep (command thread)

    /** Loads the replica; returns what changed while this instance was not listening. */
    private List<Replica.Notice> loadReplica(Jedis redis) {
        List<?> snapshot = (List<?>) REPLICA.run(redis, RedisKeys.REPLICA,
                List.of(RedisKeys.EVENTS, "snapshot", Long.toString(clock.millis())));
        return replica.load(Long.parseLong(String.valueOf(snapshot.get(0))),
                (List<?>) snapshot.get(1), (List<?>) snapshot.get(2), (List<?>) snapshot.get(3));
    }

    private void prune() {
        replica.prune();
        connection.ifAvailable(redis -> REPLICA.run(redis, RedisKeys.REPLICA,
                List.of(RedisKeys.EVENTS, "prune", Long.toString(clock.millis()))));
    }

    /** This instance's part in each connection's life: what it subscribes to, how it catches up, what it hears. */
    private final class ConnectionOwner implements RedisConnection.Owner {
        @Override
        public List<String> channels() {
            List<String> channels = new ArrayList<>();
            channels.add(RedisKeys.EVENTS);
            channels.addAll(rooms.channels());
            return channels;
        }

        @Override
        public void reseed(Jedis redis) {
            REPLICA.run(redis, RedisKeys.REPLICA, List.of(RedisKeys.EVENTS, "seed", Long.toString(clock.millis()),
                    replica.seed()));
        }

        @Override
        public Runnable catchUp(Jedis redis) {
            List<Replica.Notice> missed = loadReplica(redis);
            rooms.catchUp(redis);
            // Told once available again: the security listener checks sessions, and those checks need the engine.
            return () -> missed.forEach(RedisState.this::notify);
        }

        @Override
        public boolean caughtUp() {
            return replica.trusted();
        }

        @Override
        public void lost() {
            replica.untrust();
        }

        @Override
        public void message(String channel, String message) {
            deliver(channel, message);
        }

        @Override
        public void unsubscribed(String channel) {
            if (!channel.equals(RedisKeys.EVENTS)) {
                rooms.unsubscribed(channel);
            }
        }
    }

    // ---- delivery (subscriber thread)

    private void notify(Replica.Notice n) {
        try {
            if (n.block()) {
                securityListener.blocked(n.user());
            } else {
                securityListener.revoked(n.user());
            }
        } catch (RuntimeException e) {
            log.warn("listener failed on a {} notice", n.block() ? "block" : "revocation", e);
        }
    }

    private void deliver(String channel, String message) {
        JsonNode e;
        try {
            e = JSON.readTree(message);
        } catch (IOException ex) {
            log.warn("unreadable message on a portcullis channel; ignored");
            return;
        }
        if (channel.equals(RedisKeys.EVENTS)) {
            replica.onEvent(e).ifPresent(this::notify);
            return;
        }
        rooms.decode(channel, e).ifPresent(event -> {
            try {
                roomListener.roomEvent(event);
            } catch (RuntimeException ex) {
                log.warn("listener failed on a room event", ex);
            }
        });
    }

    // ---- closing

    /** Stops without leaving anything: as if the process had been killed. For tests of the sweep. */
    void abandon() {
        connection.abandon();
    }

    @Override
    public void close() {
        // The others hear this instance's members leave now, not when its liveness key expires.
        connection.close(rooms::leaveAll);
    }

    @Override
    public String toString() {
        return "RedisState[" + url.redacted() + ", instance " + instanceId + (available() ? ", up]" : ", down]");
    }

    /** Connections this instance holds per room; for tests. */
    Map<String, Integer> localMemberCounts() {
        return rooms.localMemberCounts();
    }
}
