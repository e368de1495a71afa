package dev.portcullis.cluster;

import java.util.List;

/**
 * The name of every key and channel Portcullis uses in Redis. All start with {@link #PREFIX}; the room and
 * sweep scripts get the prefix as an argument and build the same room and instance names from it in Lua.
 */
final class RedisKeys {
    /** Every key and channel of Portcullis in Redis starts with this. */
    static final String PREFIX = "portcullis:";
    /** The channel the replica script announces revocations and blocks on. */
    static final String EVENTS = PREFIX + "events";
    /** The replica's keys in the order its script takes them: version, revoked tokens, revoked users, blocks. */
    static final List<String> REPLICA = List.of(PREFIX + "version", PREFIX + "revoked:token",
            PREFIX + "revoked:user", PREFIX + "blocks");
    /** The set of every instance that has connected. */
    static final String INSTANCES = PREFIX + "instances";
    /** Set once by the first instance to connect; gone or changed means Redis lost everything. */
    static final String EPOCH = PREFIX + "epoch";
    private static final String ROOM = PREFIX + "room:";

    private RedisKeys() {
    }

    /** Where a ticket waits, by its digest. */
    static String ticket(String digest) {
        return PREFIX + "ticket:" + digest;
    }

    /** A user's message-rate state. */
    static String rate(String user) {
        return PREFIX + "rate:" + user;
    }

    /** An instance's liveness key, which expires when its heartbeat stops. */
    static String liveness(String instanceId) {
        return PREFIX + "instance:" + instanceId;
    }

    /** The rooms an instance has members in. */
    static String instanceRooms(String instanceId) {
        return liveness(instanceId) + ":rooms";
    }

    /** The channel a room's events are published on. */
    static String roomChannel(String room) {
        return ROOM + room;
    }

    /** The room a {@link #roomChannel} belongs to. */
    static String roomOf(String channel) {
        return channel.substring(ROOM.length());
    }
}
