package dev.portcullis.room;

import dev.portcullis.protocol.OutboundText;
import dev.portcullis.session.Session;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * The members of one room and its message counter. Every change and every broadcast holds this room's
 * monitor, which is what gives each room one total order: {@code seq} is assigned and the message queued
 * to every member before the next message can be. Queuing never blocks, so the lock is held briefly.
 */
final class Room {
    private final String name;
    /** Guarded by this; each present user and that user's connections in the room. */
    private final Map<String, Set<Session>> members = new TreeMap<>();
    /** Guarded by this; the seq of the last message. */
    private long seq;

    Room(String name) {
        this.name = name;
    }

    /**
     * Adds {@code session} unless it closed meanwhile (false then). {@code presence} goes to the other users'
     * connections when this is the user's first connection here; {@code joined}, built from the users now
     * present, goes to {@code session} before the lock is released, so no traffic of this room can overtake it.
     */
    synchronized boolean join(Session session, OutboundText presence, Function<List<String>, OutboundText> joined) {
        if (!session.isAuthenticated()) {
            return false;
        }
        String user = session.user();
        Set<Session> own = members.get(user);
        boolean newUser = own == null;
        if (newUser) {
            sendToAll(presence);
            own = new LinkedHashSet<>();
            members.put(user, own);
        }
        own.add(session);
        session.connection().send(joined.apply(new ArrayList<>(members.keySet())));
        return true;
    }

    /** Removes {@code session}; when it was the user's last connection, the remaining members get {@code presence}. */
    synchronized boolean leave(Session session, String user, OutboundText presence) {
        Set<Session> own = members.get(user);
        if (own == null || !own.remove(session)) {
            return false;
        }
        if (own.isEmpty()) {
            members.remove(user);
            sendToAll(presence);
        }
        return true;
    }

    /**
     * Numbers the next message and queues it to every member, the sender included; false if the sender is
     * not a member. {@code encode} builds the message for the given seq, once.
     */
    synchronized boolean publish(Session sender, LongFunction<OutboundText> encode) {
        Set<Session> own = members.get(sender.user());
        if (own == null || !own.contains(sender)) {
            return false;
        }
        sendToAll(encode.apply(++seq));
        return true;
    }

    /** Sends {@code joined} again to a member; false if {@code session} is not (or no longer) in this room. */
    synchronized boolean resendJoined(Session session, Function<List<String>, OutboundText> joined) {
        Set<Session> own = members.get(session.user());
        if (own == null || !own.contains(session)) {
            return false;
        }
        session.connection().send(joined.apply(new ArrayList<>(members.keySet())));
        return true;
    }

    synchronized boolean isEmpty() {
        return members.isEmpty();
    }

    synchronized int connectionCount() {
        return members.values().stream().mapToInt(Set::size).sum();
    }

    private void sendToAll(OutboundText message) {
        for (Set<Session> sessions : members.values()) {
            for (Session s : sessions) {
                s.connection().send(message);
            }
        }
    }

    @Override
    public String toString() {
        return "Room[" + name + "]";
    }
}
