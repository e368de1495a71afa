package dev.portcullis.room;

import dev.portcullis.protocol.OutboundText;
import dev.portcullis.session.Session;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * This instance's members of one room. The room's order comes from the shared state, which delivers the
 * room's events one at a time; this monitor keeps a delivery and a local leave or close from interleaving
 * mid-broadcast. Queuing never blocks, so the lock is held briefly.
 */
final class Room {
    private final String name;
    /** Guarded by this; each local user and that user's connections in the room. */
    private final Map<String, Set<Session>> members = new TreeMap<>();

    Room(String name) {
        this.name = name;
    }

    /**
     * Adds {@code session} (a repeated join changes nothing) and queues {@code joined} to it, in the same
     * step, so no later event of the room can overtake it. False if the session closed meanwhile.
     */
    synchronized boolean admit(Session session, OutboundText joined) {
        if (!session.isAuthenticated()) {
            return false;
        }
        members.computeIfAbsent(session.user(), u -> new LinkedHashSet<>()).add(session);
        session.send(joined);
        return true;
    }

    /** Removes {@code session}; false if it was not here. */
    synchronized boolean remove(Session session, String user) {
        Set<Session> own = members.get(user);
        if (own == null || !own.remove(session)) {
            return false;
        }
        if (own.isEmpty()) {
            members.remove(user);
        }
        return true;
    }

    synchronized boolean contains(Session session) {
        Set<Session> own = members.get(session.user());
        return own != null && own.contains(session);
    }

    /** Queues {@code message} to every local member. */
    synchronized void broadcast(OutboundText message) {
        for (Set<Session> sessions : members.values()) {
            for (Session s : sessions) {
                s.send(message);
            }
        }
    }

    /** Queues {@code message} to every local member but {@code user}'s connections (presence about oneself). */
    synchronized void broadcastExcept(String user, OutboundText message) {
        members.forEach((u, sessions) -> {
            if (!u.equals(user)) {
                sessions.forEach(s -> s.send(message));
            }
        });
    }

    synchronized boolean isEmpty() {
        return members.isEmpty();
    }

    synchronized int connectionCount() {
        return members.values().stream().mapToInt(Set::size).sum();
    }

    @Override
    public String toString() {
        return "Room[" + name + "]";
    }
}
