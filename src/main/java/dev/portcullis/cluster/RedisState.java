package dev.portcullis.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.Threads;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.limit.Blocklist;
import dev.portcullis.limit.RateSpec;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * The shared state of a cluster in Redis: every instance started with the same Redis URL acts as one server.
 * Commands run in call order on a thread of its own; room events and announcements arrive on another.
 */
public final class RedisState implements SharedState {
    /*
     * How it holds together.
     *
     * One command thread, one connection: calls run in the order they were made (a leave submitted after a
     * join runs after it, a session's messages keep their order), and nothing blocks a caller. While Redis is
     * out of reach every call fails at once; the same thread reconnects with backoff.
     *
     * Rooms: presence, the seq counter and the event of a join, leave or message change in one Lua script that
     * also PUBLISHes the event, and Redis runs one script at a time, so a room's channel order is its one order
     * on every instance. This instance subscribes to the room's channel, and waits for Redis to confirm, before
     * its first join there runs, so it hears everything after that join; it unsubscribes after its last leave.
     * Subscription changes are made on the command thread too, which orders them with the joins and leaves.
     *
     * Revocations and blocks live in hashes; every change carries a version and is announced on the events
     * channel by the same script. The Replica answers the security checks from memory and refuses to while it
     * may have missed an announcement: from a lost connection until a snapshot is loaded (fail closed).
     *
     * Liveness: each instance refreshes a key with a short TTL; any instance's sweep removes, with Left events,
     * the members of instances whose key expired (crashed). After a reconnect this instance makes its presence
     * in Redis what it knows (members that left meanwhile go, with Left events; members Redis forgot come back
     * silently). If Redis lost its data (the epoch key changed), the instance first seeds it again with its
     * replica, so no revocation is forgotten, and raises each room's seq to the last one delivered here, so seq
     * never goes backwards; only then is it available again.
     *
     * Meant for a standalone Redis, not Redis Cluster: scripts touch keys they compute themselves.
     */
    private static final Logger log = LoggerFactory.getLogger(RedisState.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "portcullis:";
    private static final LuaScript JOIN = LuaScript.load("join", "rooms");
    private static final LuaScript LEAVE = LuaScript.load("leave", "rooms");
    private static final LuaScript PUBLISH = LuaScript.load("publish", "rooms");
    private static final LuaScript RECONCILE = LuaScript.load("reconcile", "rooms");
    private static final LuaScript SWEEP = LuaScript.load("sweep", "rooms");
    private static final LuaScript RATE = LuaScript.load("rate");
    private static final LuaScript REPLICA = LuaScript.load("replica");
    private static final StateListener NO_LISTENER = new StateListener() {
        @Override
        public void roomEvent(RoomEvent event) {
        }

        @Override
        public void revoked(String user) {
        }

        @Override
        public void blocked(String user) {
        }
    };

    /** Periods and limits of the connection's upkeep; tests shorten them. */
    record Timings(Duration heartbeat, Duration livenessTtl, Duration sweepEvery, Duration pruneEvery,
                   Duration backoffCap, int connectTimeoutMillis, int socketTimeoutMillis) {
        static final Timings DEFAULT = new Timings(Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofSeconds(2), 1000, 2000);
    }

    private final RedisUrl url;
    private final String instanceId;
    private final RateSpec rate;
    private final Clock clock;
    private final Duration leeway;
    private final Timings timings;
    private final Replica replica;
    private final ScheduledThreadPoolExecutor commands =
            new ScheduledThreadPoolExecutor(1, Threads.named("redis-commands"));
    private final String eventsChannel = PREFIX + "events";
    private final String livenessKey;
    /** Set once by the first instance to connect; gone or changed means Redis lost everything. */
    private final String epochKey = PREFIX + "epoch";
    private final String roomsKey;
    private final List<String> replicaKeys = List.of(PREFIX + "version", PREFIX + "revoked:token",
            PREFIX + "revoked:user", PREFIX + "blocks");
    private final CompletableFuture<Void> firstAvailable = new CompletableFuture<>();
    /** Last seq delivered per room; written by the subscriber, read by the command thread to re-seed. */
    private final ConcurrentHashMap<String, Long> lastSeq = new ConcurrentHashMap<>();

    private volatile StateListener listener = NO_LISTENER;
    private volatile boolean available;
    private volatile boolean closed;
    /** Which connection is current; a subscriber of an older one ending is no news. */
    private volatile int generation;
    private volatile long lastPongNanos;
    /** Guards the step from one generation to the next against a subscriber that ends at the same moment. */
    private final Object transitions = new Object();

    // Command thread only.
    private Jedis command;
    private Jedis subscriberConnection;
    private Subscriber subscriber;
    private final Map<String, Map<String, String>> localMembers = new HashMap<>();
    private final Set<String> subscribedRooms = new HashSet<>();
    private String knownEpoch;
    private long backoffMillis;
    private boolean reconnectScheduled;
    private boolean reportedDown;

    private RedisState(RedisUrl url, String instanceId, RateSpec rate, Clock clock, Duration leeway, Timings timings) {
        this.url = url;
        this.instanceId = instanceId;
        this.rate = rate;
        this.clock = clock;
        this.leeway = leeway;
        this.timings = timings;
        this.replica = new Replica(clock);
        this.livenessKey = PREFIX + "instance:" + instanceId;
        this.roomsKey = PREFIX + "instance:" + instanceId + ":rooms";
        commands.setRemoveOnCancelPolicy(true);
        commands.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
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
        return start(RedisUrl.parse(redisUrl), instanceId, messageRate, clock, clockLeeway, Timings.DEFAULT);
    }

    static RedisState start(RedisUrl url, String instanceId, RateSpec messageRate, Clock clock, Duration clockLeeway,
                            Timings timings) {
        if (instanceId.isEmpty() || instanceId.contains("/") || !instanceId.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException("instance id must be printable ASCII without spaces or '/'");
        }
        RedisState state = new RedisState(url, instanceId, messageRate, clock, clockLeeway, timings);
        state.commands.execute(state::connect);
        state.every(timings.heartbeat(), state::heartbeat);
        state.every(timings.sweepEvery(), state::sweep);
        state.every(timings.pruneEvery(), state::prune);
        return state;
    }

    private void every(Duration period, Runnable task) {
        long millis = period.toMillis();
        commands.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // An exception would cancel the schedule for good; the next round may well succeed.
                log.warn("redis upkeep failed: {}", e.toString());
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** The URL this instance connects to, without its password. */
    public String redactedUrl() {
        return url.redacted();
    }

    /** Completes the first time this instance is connected and caught up. */
    public CompletableFuture<Void> firstAvailable() {
        return firstAvailable;
    }

    @Override
    public String engine() {
        return "redis";
    }

    @Override
    public boolean available() {
        return available;
    }

    @Override
    public void listen(StateListener listener) {
        this.listener = listener;
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
        return call(() -> {
            if (ttl > 0) {
                // PX, not PXAT: the expiry follows this instance's clock, not Redis's; take checks it as well.
                command.set(ticketKey(ticketDigest), value, SetParams.setParams().px(ttl));
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Optional<VerifiedToken>> takeTicket(String ticketDigest) {
        return call(() -> Optional.ofNullable(command.getDel(ticketKey(ticketDigest))))
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

    private static String ticketKey(String digest) {
        return PREFIX + "ticket:" + digest;
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
        return call(() -> (Long) RATE.run(command, List.of(PREFIX + "rate:" + user), args));
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
        List<String> args = new ArrayList<>(List.of(eventsChannel, op, Long.toString(clock.millis())));
        args.addAll(List.of(rest));
        CompletableFuture<List<?>> done = new CompletableFuture<>();
        call(() -> {
            Object reply = REPLICA.run(command, replicaKeys, args);
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
        if (!member.instance().equals(instanceId)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "member key must start with this instance's id and a slash"));
        }
        return call(() -> {
            ensureSubscribed(room);
            JOIN.run(command, List.of(), List.of(PREFIX, room, member.key(), member.user(), roomsKey));
            localMembers.computeIfAbsent(room, r -> new HashMap<>()).put(member.key(), member.user());
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> leave(String room, Member member) {
        boolean wasAvailable = available;
        CompletableFuture<Void> result = new CompletableFuture<>();
        // Queued even while Redis is out of reach: this instance must forget the member in order with the calls
        // before it, or the reconnect would put it back. Redis hears of it then (reconnect removes the members
        // this instance no longer has).
        try {
            commands.execute(() -> {
                try {
                    if (leaveNow(room, member)) {
                        result.complete(null);
                    } else {
                        result.completeExceptionally(unavailable());
                    }
                } catch (JedisException e) {
                    connectionLost(generation, e);
                    result.completeExceptionally(new BrokerUnavailableException("redis unavailable", e));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new BrokerUnavailableException("closed"));
        }
        return wasAvailable ? result : CompletableFuture.failedFuture(unavailable());
    }

    /** Leaves in Redis if it is reachable, and here in any case; returns whether Redis heard of it. */
    private boolean leaveNow(String room, Member member) {
        try {
            if (!available) {
                return false;
            }
            Map<String, String> own = localMembers.getOrDefault(room, Map.of());
            boolean lastHere = own.isEmpty() || own.size() == 1 && own.containsKey(member.key());
            LEAVE.run(command, List.of(), List.of(PREFIX, room, member.key(), roomsKey, lastHere ? "1" : "0"));
            return true;
        } finally {
            forget(room, member);
        }
    }

    /** Drops a member from what this instance holds, and the room's channel with its last one. */
    private void forget(String room, Member member) {
        Map<String, String> own = localMembers.get(room);
        if (own != null) {
            own.remove(member.key());
            if (own.isEmpty()) {
                localMembers.remove(room);
            }
        }
        if (!localMembers.containsKey(room) && subscribedRooms.remove(room) && subscriber != null) {
            try {
                subscriber.unsubscribe(roomChannel(room));
            } catch (RuntimeException e) {
                log.debug("unsubscribe failed; the connection is going: {}", e.toString());
            }
        }
        // (While connected, the unsubscribe confirmation forgets the room's last seq, after its last event.)
    }

    @Override
    public CompletableFuture<Long> publish(String room, Member from, String payloadJson, String id, long timestamp) {
        List<String> args = List.of(PREFIX, room, from.key(), from.user(), payloadJson, id == null ? "" : id,
                id == null ? "0" : "1", Long.toString(timestamp));
        return call(() -> {
            long seq = (Long) PUBLISH.run(command, List.of(), args);
            if (seq < 0) {
                throw new IllegalStateException("no such room");
            }
            return seq;
        });
    }

    private String roomChannel(String room) {
        return PREFIX + "room:" + room;
    }

    /** Subscribes to the room's channel and waits for Redis to confirm, so no event after our join is missed. */
    private void ensureSubscribed(String room) throws Exception {
        if (subscribedRooms.contains(room)) {
            return;
        }
        String channel = roomChannel(room);
        CompletableFuture<Void> confirmed = subscriber.expect(channel);
        subscriber.subscribe(channel);
        awaitConfirmation(confirmed);
        subscribedRooms.add(room);
    }

    private void awaitConfirmation(CompletableFuture<Void> confirmed) throws Exception {
        try {
            confirmed.get(timings.socketTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new JedisException("redis did not confirm a subscription");
        }
    }

    // ---- running commands

    private static BrokerUnavailableException unavailable() {
        return new BrokerUnavailableException("redis unavailable");
    }

    /** Runs {@code body} on the command thread, failing at once and without queueing while Redis is out of reach. */
    private <T> CompletableFuture<T> call(Callable<T> body) {
        if (!available) {
            return CompletableFuture.failedFuture(unavailable());
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            commands.execute(() -> {
                if (!available) {
                    result.completeExceptionally(unavailable());
                    return;
                }
                try {
                    result.complete(body.call());
                } catch (JedisException e) {
                    connectionLost(generation, e);
                    result.completeExceptionally(new BrokerUnavailableException("redis unavailable", e));
                } catch (Exception e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new BrokerUnavailableException("closed"));
        }
        return result;
    }

    private void submit(Runnable task) {
        try {
            commands.execute(task);
        } catch (RejectedExecutionException e) {
            // closing: nothing left to tidy
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    // ---- connection upkeep (command thread)

    private Jedis open() {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timings.connectTimeoutMillis())
                .socketTimeoutMillis(timings.socketTimeoutMillis())
                .database(url.database())
                .clientName("portcullis-" + instanceId)
                // RESP2 explicitly: pub/sub replies are parsed as such, and Jedis warns when left to negotiate.
                .autoNegotiateProtocol(false)
                .resp2();
        if (url.user() != null) {
            config.user(url.user());
        }
        if (url.password() != null) {
            config.password(url.password());
        }
        if (url.tls()) {
            // FULL: the certificate must chain to a trusted CA (the JDK's, or javax.net.ssl.trustStore) and name
            // the host; anything less lets a man in the middle read the password and the tickets.
            config.sslOptions(SslOptions.builder().sslVerifyMode(SslVerifyMode.FULL).build());
        }
        return new Jedis(new HostAndPort(url.host(), url.port()), config.build());
    }

    private void connect() {
        reconnectScheduled = false;
        if (closed || available) {
            return;
        }
        int gen;
        synchronized (transitions) {
            gen = ++generation;
        }
        try {
            command = open();
            command.ping();
            startSubscriber(gen);
            String epoch = epoch();
            if (knownEpoch != null && !knownEpoch.equals(epoch)) {
                log.warn("redis lost its data (restarted empty?): seeding it again with what this instance knows");
                REPLICA.run(command, replicaKeys, List.of(eventsChannel, "seed", Long.toString(clock.millis()),
                        replica.seed()));
            }
            knownEpoch = epoch;
            List<Replica.Notice> missed = loadReplica();
            Set<String> rooms = new LinkedHashSet<>(localMembers.keySet());
            rooms.addAll(command.smembers(roomsKey));
            for (String room : rooms) {
                reconcile(room);
            }
            beat();
            synchronized (transitions) {
                if (gen != generation || !replica.trusted()) {
                    throw new JedisException("connection lost while catching up");
                }
                available = true;
            }
            backoffMillis = 0;
            log.info("redis {} at {} (instance {})", reportedDown ? "is back" : "connected", url.redacted(), instanceId);
            reportedDown = false;
            firstAvailable.complete(null);
            // Only now: the listener checks sessions again, and those checks must find the engine available.
            missed.forEach(this::notify);
        } catch (Exception e) {
            if (!reportedDown) {
                log.warn("redis at {} unavailable: {}; retrying", url.redacted(), describe(e));
                reportedDown = true;
            }
            disconnect();
            scheduleReconnect();
        }
    }

    private String epoch() {
        String key = epochKey;
        String epoch = command.get(key);
        if (epoch == null) {
            command.set(key, UUID.randomUUID().toString(), SetParams.setParams().nx());
            epoch = command.get(key);
        }
        return epoch;
    }

    /** Loads the replica; returns what changed while this instance was not listening. */
    private List<Replica.Notice> loadReplica() {
        List<?> snapshot = (List<?>) REPLICA.run(command, replicaKeys,
                List.of(eventsChannel, "snapshot", Long.toString(clock.millis())));
        return replica.load(Long.parseLong(String.valueOf(snapshot.get(0))),
                (List<?>) snapshot.get(1), (List<?>) snapshot.get(2), (List<?>) snapshot.get(3));
    }

    private void reconcile(String room) {
        List<String> args = new ArrayList<>(List.of(PREFIX, room, instanceId, roomsKey,
                Long.toString(lastSeq.getOrDefault(room, 0L))));
        localMembers.getOrDefault(room, Map.of()).forEach((key, user) -> {
            args.add(key);
            args.add(user);
        });
        RECONCILE.run(command, List.of(), args);
    }

    private void startSubscriber(int gen) throws Exception {
        Subscriber s = new Subscriber(gen);
        List<String> channels = new ArrayList<>();
        channels.add(eventsChannel);
        localMembers.keySet().forEach(room -> channels.add(roomChannel(room)));
        List<CompletableFuture<Void>> confirmations = channels.stream().map(s::expect).toList();
        Jedis connection = open();
        subscriberConnection = connection;
        subscriber = s;
        lastPongNanos = System.nanoTime();
        Thread t = new Thread(() -> runSubscriber(s, connection, channels), "redis-subscriber");
        t.setDaemon(true);
        t.start();
        for (CompletableFuture<Void> c : confirmations) {
            awaitConfirmation(c);
        }
        // Rooms this instance left while cut off get no unsubscribe confirmation; if it joins one again, its
        // next life may restart at seq 1, which must not look like seqs delivered already.
        lastSeq.keySet().retainAll(localMembers.keySet());
        subscribedRooms.clear();
        subscribedRooms.addAll(localMembers.keySet());
    }

    private void runSubscriber(Subscriber s, Jedis connection, List<String> channels) {
        Exception failure = null;
        try {
            connection.subscribe(s, channels.toArray(String[]::new));
        } catch (Exception e) {
            failure = e;
        } finally {
            s.failPending();
        }
        synchronized (transitions) {
            if (closed || s.generation != generation) {
                return;
            }
            // At once, not when the command thread gets to it: an announcement may already be missed.
            available = false;
            replica.untrust();
        }
        Exception cause = failure;
        submit(() -> connectionLost(s.generation, cause));
    }

    /** Gives up the current connection (a command or the subscriber failed) and starts reconnecting. */
    private void connectionLost(int gen, Exception cause) {
        synchronized (transitions) {
            if (gen != generation || closed) {
                return;
            }
            available = false;
            replica.untrust();
            generation++;
        }
        if (!reportedDown) {
            log.warn("redis at {} lost: {}; reconnecting", url.redacted(), describe(cause));
            reportedDown = true;
        }
        disconnect();
        scheduleReconnect();
    }

    private static String describe(Exception e) {
        if (e == null) {
            return "connection closed";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        // Class and message only: Redis error texts carry no credentials, and stack traces add nothing here.
        return root == e ? e.toString() : e + " (" + root + ")";
    }

    private void disconnect() {
        replica.untrust();
        subscribedRooms.clear();
        if (subscriber != null) {
            subscriber.failPending();
            subscriber = null;
        }
        closeQuietly(subscriberConnection);
        subscriberConnection = null;
        closeQuietly(command);
        command = null;
    }

    private static void closeQuietly(Jedis jedis) {
        if (jedis != null) {
            try {
                jedis.disconnect();
            } catch (RuntimeException e) {
                // already gone
            }
        }
    }

    private void scheduleReconnect() {
        if (closed || reconnectScheduled) {
            return;
        }
        long cap = timings.backoffCap().toMillis();
        backoffMillis = backoffMillis == 0 ? 50 : Math.min(cap, backoffMillis * 2);
        // Half fixed, half random: instances that lost Redis together do not all come back in step.
        long delay = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
        reconnectScheduled = true;
        try {
            commands.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            reconnectScheduled = false;
        }
    }

    private void beat() {
        command.set(livenessKey, "1", SetParams.setParams().px(timings.livenessTtl().toMillis()));
        command.sadd(PREFIX + "instances", instanceId);
    }

    private void heartbeat() {
        if (!available || closed) {
            return;
        }
        int gen = generation;
        try {
            beat();
            if (!knownEpoch.equals(command.get(epochKey))) {
                // Flushed under a live connection: catch up as after a restart.
                throw new JedisException("redis lost its data");
            }
            long silent = System.nanoTime() - lastPongNanos;
            if (silent > TimeUnit.MILLISECONDS.toNanos(3 * timings.heartbeat().toMillis() + timings.socketTimeoutMillis())) {
                throw new JedisException("no answer on the subscriber connection");
            }
            subscriber.ping();
        } catch (JedisException e) {
            connectionLost(gen, e);
        }
    }

    private void sweep() {
        if (!available || closed) {
            return;
        }
        int gen = generation;
        try {
            long removed = (Long) SWEEP.run(command, List.of(), List.of(PREFIX, "*"));
            if (removed > 0) {
                log.info("removed {} room members of instances that stopped without leaving", removed);
            }
        } catch (JedisException e) {
            connectionLost(gen, e);
        }
    }

    private void prune() {
        replica.prune();
        if (!available || closed) {
            return;
        }
        int gen = generation;
        try {
            REPLICA.run(command, replicaKeys, List.of(eventsChannel, "prune", Long.toString(clock.millis())));
        } catch (JedisException e) {
            connectionLost(gen, e);
        }
    }

    // ---- delivery (subscriber thread)

    private void notify(Replica.Notice n) {
        try {
            if (n.block()) {
                listener.blocked(n.user());
            } else {
                listener.revoked(n.user());
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
        if (channel.equals(eventsChannel)) {
            replica.onEvent(e).ifPresent(this::notify);
            return;
        }
        String room = channel.substring(PREFIX.length() + "room:".length());
        Member member = new Member(e.path("u").asText(), e.path("k").asText());
        RoomEvent event;
        switch (e.path("t").asText()) {
            case "j" -> {
                TreeSet<String> members = new TreeSet<>();
                e.path("members").forEach(m -> members.add(m.asText()));
                event = new RoomEvent.Joined(room, member, e.path("again").asBoolean(), e.path("first").asBoolean(),
                        new ArrayList<>(members), Long.parseLong(e.path("s").asText("0")));
            }
            case "l" -> {
                if (e.path("end").asBoolean()) {
                    // The room's life is over; a new one starts again at seq 1.
                    lastSeq.remove(room);
                }
                event = new RoomEvent.Left(room, member, e.path("last").asBoolean());
            }
            case "m" -> {
                long seq = Long.parseLong(e.path("s").asText());
                Long last = lastSeq.get(room);
                if (last != null && seq <= last) {
                    log.warn("room event with seq {} after {} dropped: delivered already", seq, last);
                    return;
                }
                lastSeq.put(room, seq);
                event = new RoomEvent.Message(room, member, e.path("p").asText(),
                        e.path("i").isTextual() ? e.path("i").asText() : null, seq, Long.parseLong(e.path("ts").asText()));
            }
            default -> {
                return;
            }
        }
        try {
            listener.roomEvent(event);
        } catch (RuntimeException ex) {
            log.warn("listener failed on a room event", ex);
        }
    }

    /** The pub/sub side of one connection: confirmations the command thread waits for, and delivery. */
    private final class Subscriber extends JedisPubSub {
        final int generation;
        private final ConcurrentHashMap<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();

        Subscriber(int generation) {
            this.generation = generation;
        }

        CompletableFuture<Void> expect(String channel) {
            return pending.computeIfAbsent(channel, c -> new CompletableFuture<>());
        }

        void failPending() {
            pending.values().forEach(f -> f.completeExceptionally(new BrokerUnavailableException("subscriber closed")));
            pending.clear();
        }

        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            CompletableFuture<Void> f = pending.remove(channel);
            if (f != null) {
                f.complete(null);
            }
        }

        @Override
        public void onUnsubscribe(String channel, int subscribedChannels) {
            if (!channel.equals(eventsChannel)) {
                // Events of the room's next life, if this instance joins it again, start afresh.
                lastSeq.remove(channel.substring(PREFIX.length() + "room:".length()));
            }
        }

        @Override
        public void onMessage(String channel, String message) {
            deliver(channel, message);
        }

        @Override
        public void onPong(String pattern) {
            lastPongNanos = System.nanoTime();
        }
    }

    // ---- closing

    /** Stops without leaving anything: as if the process had been killed. For tests of the sweep. */
    void abandon() {
        closed = true;
        available = false;
        commands.shutdownNow();
        closeQuietly(subscriberConnection);
        closeQuietly(command);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            commands.execute(() -> {
                try {
                    if (available && command != null) {
                        // The others hear this instance's members leave now, not when its liveness key expires.
                        SWEEP.run(command, List.of(), List.of(PREFIX, instanceId));
                        command.srem(PREFIX + "instances", instanceId);
                    }
                } catch (RuntimeException e) {
                    log.debug("redis cleanup at close failed: {}", e.toString());
                } finally {
                    available = false;
                    disconnect();
                    done.complete(null);
                }
            });
            done.get(timings.socketTimeoutMillis() + 1000L, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            log.debug("redis cleanup at close skipped: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            available = false;
            commands.shutdownNow();
            firstAvailable.completeExceptionally(new BrokerUnavailableException("closed"));
        }
    }

    @Override
    public String toString() {
        return "RedisState[" + url.redacted() + ", instance " + instanceId + (available ? ", up]" : ", down]");
    }

    /** Connections this instance holds per room; for tests. */
    Map<String, Integer> localMemberCounts() {
        CompletableFuture<Map<String, Integer>> f = new CompletableFuture<>();
        submit(() -> {
            Map<String, Integer> counts = new LinkedHashMap<>();
            localMembers.forEach((room, members) -> counts.put(room, members.size()));
            f.complete(counts);
        });
        return f.join();
    }
}
