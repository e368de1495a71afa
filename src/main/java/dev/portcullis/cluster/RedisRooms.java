package dev.portcullis.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * This instance's side of the cluster's rooms in Redis: joins, leaves and messages, the members it holds, and
 * the room events it hears, decoded in the one order Redis gave them.
 */
final class RedisRooms {
    /*
     * Presence, the seq counter and the event of a join, leave or message change in one Lua script that also
     * PUBLISHes the event, and Redis runs one script at a time, so a room's channel order is its one order on
     * every instance. This instance subscribes to the room's channel, and waits for Redis to confirm, before
     * its first join there runs, so it hears everything after that join; it unsubscribes after its last leave.
     * Subscription changes are made on the command thread too, which orders them with the joins and leaves.
     *
     * Liveness: any instance's sweep removes, with Left events, the members of instances whose liveness key
     * expired (crashed). After a reconnect this instance makes its presence in Redis what it knows (members
     * that left meanwhile go, with Left events; members Redis forgot come back silently), and raises each
     * room's seq to the last one delivered here, so seq never goes backwards if Redis lost its data.
     */
    private static final Logger log = LoggerFactory.getLogger(RedisRooms.class);
    private static final LuaScript JOIN = LuaScript.load("join", "rooms");
    private static final LuaScript LEAVE = LuaScript.load("leave", "rooms");
    private static final LuaScript PUBLISH = LuaScript.load("publish", "rooms");
    private static final LuaScript RECONCILE = LuaScript.load("reconcile", "rooms");
    private static final LuaScript SWEEP = LuaScript.load("sweep", "rooms");

    private final String instanceId;
    private final RedisConnection connection;
    private final String roomsKey;
    /** Last seq delivered per room; written by the subscriber, read by the command thread to re-seed. */
    private final ConcurrentHashMap<String, Long> lastSeq = new ConcurrentHashMap<>();
    // Command thread only.
    private final Map<String, Map<String, String>> localMembers = new HashMap<>();

    RedisRooms(String instanceId, RedisConnection connection) {
        this.instanceId = instanceId;
        this.connection = connection;
        this.roomsKey = RedisKeys.instanceRooms(instanceId);
    }

    CompletableFuture<Void> join(String room, Member member) {
        if (!member.instance().equals(instanceId)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "member key must start with this instance's id and a slash"));
        }
        return connection.call(redis -> {
            // Confirmed before the join runs, so no event after it is missed.
            connection.subscribe(RedisKeys.roomChannel(room));
            JOIN.run(redis, List.of(), List.of(RedisKeys.PREFIX, room, member.key(), member.user(), roomsKey));
            localMembers.computeIfAbsent(room, r -> new HashMap<>()).put(member.key(), member.user());
            return null;
        });
    }

    CompletableFuture<Void> leave(String room, Member member) {
        // Run even while Redis is out of reach: this instance must forget the member in order with the calls
        // before it, or the reconnect would put it back. Redis hears of it then (reconnect removes the members
        // this instance no longer has).
        return connection.callEvenIfDown(redis -> {
            try {
                if (redis != null) {
                    Map<String, String> own = localMembers.getOrDefault(room, Map.of());
                    boolean lastHere = own.isEmpty() || own.size() == 1 && own.containsKey(member.key());
                    LEAVE.run(redis, List.of(),
                            List.of(RedisKeys.PREFIX, room, member.key(), roomsKey, lastHere ? "1" : "0"));
                }
            } finally {
                forget(room, member);
            }
        });
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
        if (!localMembers.containsKey(room)) {
            connection.unsubscribe(RedisKeys.roomChannel(room));
        }
        // (While connected, the unsubscribe confirmation forgets the room's last seq, after its last event.)
    }

    CompletableFuture<Long> publish(String room, Member from, String payloadJson, String id, long timestamp) {
        List<String> args = List.of(RedisKeys.PREFIX, room, from.key(), from.user(), payloadJson,
                id == null ? "" : id, id == null ? "0" : "1", Long.toString(timestamp));
        return connection.call(redis -> {
            long seq = (Long) PUBLISH.run(redis, List.of(), args);
            if (seq < 0) {
                throw new IllegalStateException("no such room");
            }
            return seq;
        });
    }

    // ---- connection upkeep (command thread)

    /** The channels of the rooms this instance has members in, for a new connection to subscribe to. */
    List<String> channels() {
        return localMembers.keySet().stream().map(RedisKeys::roomChannel).toList();
    }

    /** After a connect: makes this instance's presence in Redis what it holds. */
    void catchUp(Jedis redis) {
        // Rooms this instance left while cut off get no unsubscribe confirmation; if it joins one again, its
        // next life may restart at seq 1, which must not look like seqs delivered already.
        lastSeq.keySet().retainAll(localMembers.keySet());
        Set<String> rooms = new LinkedHashSet<>(localMembers.keySet());
        rooms.addAll(redis.smembers(roomsKey));
        for (String room : rooms) {
            reconcile(redis, room);
        }
    }

    private void reconcile(Jedis redis, String room) {
        List<String> args = new ArrayList<>(List.of(RedisKeys.PREFIX, room, instanceId, roomsKey,
                Long.toString(lastSeq.getOrDefault(room, 0L))));
        localMembers.getOrDefault(room, Map.of()).forEach((key, user) -> {
            args.add(key);
            args.add(user);
        });
        RECONCILE.run(redis, List.of(), args);
    }

    /** Removes the members of every instance whose liveness key expired. */
    void sweep(Jedis redis) {
        long removed = (Long) SWEEP.run(redis, List.of(), List.of(RedisKeys.PREFIX, "*"));
        if (removed > 0) {
            log.info("removed {} room members of instances that stopped without leaving", removed);
        }
    }

    /** Removes this instance's members, with Left events, as it stops. */
    void leaveAll(Jedis redis) {
        SWEEP.run(redis, List.of(), List.of(RedisKeys.PREFIX, instanceId));
    }

    // ---- delivery (subscriber thread)

    /** Decodes an event heard on a room's channel; empty if it is not one to deliver. */
    Optional<RoomEvent> decode(String channel, JsonNode e) {
        String room = RedisKeys.roomOf(channel);
        Member member = new Member(e.path("u").asText(), e.path("k").asText());
        return switch (e.path("t").asText()) {
            case "j" -> {
                TreeSet<String> members = new TreeSet<>();
                e.path("members").forEach(m -> members.add(m.asText()));
                yield Optional.of(new RoomEvent.Joined(room, member, e.path("again").asBoolean(),
                        e.path("first").asBoolean(), new ArrayList<>(members), Long.parseLong(e.path("s").asText("0"))));
            }
            case "l" -> {
                if (e.path("end").asBoolean()) {
                    // The room's life is over; a new one starts again at seq 1.
                    lastSeq.remove(room);
                }
                yield Optional.of(new RoomEvent.Left(room, member, e.path("last").asBoolean()));
            }
            case "m" -> {
                long seq = Long.parseLong(e.path("s").asText());
                Long last = lastSeq.get(room);
                if (last != null && seq <= last) {
                    log.warn("room event with seq {} after {} dropped: delivered already", seq, last);
                    yield Optional.empty();
                }
                lastSeq.put(room, seq);
                yield Optional.of(new RoomEvent.Message(room, member, e.path("p").asText(),
                        e.path("i").isTextual() ? e.path("i").asText() : null, seq, Long.parseLong(e.path("ts").asText())));
            }
            default -> Optional.empty();
        };
    }

    /** Redis confirmed that this instance no longer listens to a room's channel. */
    void unsubscribed(String channel) {
        // Events of the room's next life, if this instance joins it again, start afresh.
        lastSeq.remove(RedisKeys.roomOf(channel));
    }

    /** Connections this instance holds per room; for tests. */
    Map<String, Integer> localMemberCounts() {
        CompletableFuture<Map<String, Integer>> f = new CompletableFuture<>();
        connection.submit(() -> {
            Map<String, Integer> counts = new LinkedHashMap<>();
            localMembers.forEach((room, members) -> counts.put(room, members.size()));
            f.complete(counts);
        });
        return f.join();
    }
}
