package dev.portcullis.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.session.ConnectionState.Event;
import dev.portcullis.testing.RecordingConnection;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The transition table of protocol.md §2, every state against every event. */
class ConnectionStateTest {
    /** The diagram of protocol.md §2, written out; anything not here must be refused. */
    private static final Map<ConnectionState, Map<Event, ConnectionState>> EXPECTED = new EnumMap<>(Map.of(
            ConnectionState.AWAITING_AUTH, Map.of(
                    Event.AUTH_SUCCEEDED, ConnectionState.AUTHENTICATED,
                    Event.AUTH_FAILED, ConnectionState.CLOSED,
                    Event.AUTH_TIMED_OUT, ConnectionState.CLOSED,
                    Event.SERVER_CLOSE, ConnectionState.CLOSED,
                    Event.DISCONNECTED, ConnectionState.CLOSED),
            ConnectionState.AUTHENTICATED, Map.of(
                    Event.BLOCK, ConnectionState.BLOCKED,
                    Event.CREDENTIAL_ENDED, ConnectionState.CLOSED,
                    Event.SERVER_CLOSE, ConnectionState.CLOSED,
                    Event.DISCONNECTED, ConnectionState.CLOSED),
            ConnectionState.BLOCKED, Map.of(Event.DISCONNECTED, ConnectionState.CLOSED),
            ConnectionState.CLOSED, Map.of(Event.DISCONNECTED, ConnectionState.CLOSED)));

    @Test
    @DisplayName("§2: every allowed move lands where the diagram says, and every other move fails loudly")
    void fullTable() {
        for (ConnectionState from : ConnectionState.values()) {
            for (Event event : Event.values()) {
                ConnectionState expected = EXPECTED.get(from).get(event);
                if (expected != null) {
                    assertTrue(from.allows(event), from + " on " + event);
                    assertEquals(expected, from.on(event), from + " on " + event);
                } else {
                    assertFalse(from.allows(event), from + " on " + event);
                    IllegalTransitionException e = assertThrows(IllegalTransitionException.class, () -> from.on(event));
                    assertTrue(e.getMessage().contains(from.name()) && e.getMessage().contains(event.name()));
                }
            }
        }
    }

    @Test
    @DisplayName("§2: a closed connection can never be authenticated again")
    void closedIsTerminal() {
        assertThrows(IllegalTransitionException.class, () -> ConnectionState.CLOSED.on(Event.AUTH_SUCCEEDED));
    }

    @Test
    @DisplayName("§2: the auth deadline and the auth message race; only the first one moves the session")
    void raceHasOneWinner() {
        Session s = new Session("c1", new RecordingConnection());
        assertTrue(s.move(Event.AUTH_TIMED_OUT));
        assertFalse(s.authenticate(new VerifiedToken("alice", List.of(),
                Instant.EPOCH, Instant.EPOCH, "j", Optional.empty())));
        assertEquals(ConnectionState.CLOSED, s.state());
        assertEquals(null, s.user());
    }
}
