package dev.portcullis.session;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The authenticated sessions of each user, so that a block or a revocation reaches all of them at once. */
public final class SessionRegistry {
    private final ConcurrentHashMap<String, Set<Session>> byUser = new ConcurrentHashMap<>();

    public void add(Session session) {
        byUser.computeIfAbsent(session.user(), u -> ConcurrentHashMap.newKeySet()).add(session);
    }

    public void remove(Session session) {
        String user = session.user();
        if (user != null) {
            byUser.computeIfPresent(user, (u, sessions) -> {
                sessions.remove(session);
                return sessions.isEmpty() ? null : sessions;
            });
        }
    }

    /** A snapshot of {@code user}'s sessions. */
    public List<Session> sessionsOf(String user) {
        Set<Session> sessions = byUser.get(user);
        return sessions == null ? List.of() : List.copyOf(sessions);
    }

    /** A snapshot of every authenticated session, for the periodic re-validation. */
    public List<Session> all() {
        return byUser.values().stream().flatMap(Set::stream).toList();
    }

    /** Users with at least one session, for tests of the cleanup. */
    public int userCount() {
        return byUser.size();
    }
}
