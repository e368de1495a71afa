package dev.portcullis.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.OutboundText;
import dev.portcullis.session.ConnectionState.Event;
import dev.portcullis.testing.RecordingConnection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The session's one way to close, and what its state lets it send (protocol.md §2). */
class SessionTest {
    private final RecordingConnection connection = new RecordingConnection();
    private final Session session = new Session("c1", connection);

    private void authenticate() {
        assertTrue(session.authenticate(new VerifiedToken("alice", List.of("user"), Instant.EPOCH,
                Instant.EPOCH.plusSeconds(3600), "j1", Optional.empty())));
    }

    @Test
    @DisplayName("§2: a close moves the state first, records, then starts the close; a second close does nothing")
    void closeMovesFirst() {
        authenticate();
        List<String> seen = new ArrayList<>();
        assertTrue(session.close(Event.CREDENTIAL_ENDED, CloseReason.TOKEN_REVOKED,
                () -> seen.add(session.state() + " " + connection.closedWith())));
        assertEquals(List.of("CLOSED null"), seen, "recorded after the move and before the close frame");
        assertEquals("1008 Token revoked", connection.closedWith());
        assertFalse(session.close(Event.SERVER_CLOSE, CloseReason.SLOW_CONSUMER), "already on its way out");
        assertEquals(1, connection.closes());
    }

    @Test
    @DisplayName("§2: nothing is sent once the server has decided to close, nor before auth_ok")
    void sendsOnlyWhileAuthenticated() {
        session.send(new OutboundText("{\"type\":\"early\"}"));
        authenticate();
        session.send(new OutboundText("{\"type\":\"one\"}"));
        assertTrue(session.close(Event.BLOCK, CloseReason.BLOCKED_FOR_ABUSE));
        session.send(new OutboundText("{\"type\":\"two\"}"));
        assertEquals(List.of("{\"type\":\"one\"}"), connection.sent());
        assertEquals(ConnectionState.BLOCKED, session.state());
    }

    @Test
    @DisplayName("§11.3: a message over the outbound limit closes the connection as a slow consumer, through the table")
    void overflowIsSlowConsumer() {
        authenticate();
        connection.full(true);
        session.send(new OutboundText("{\"type\":\"big\"}"));
        assertEquals(ConnectionState.CLOSED, session.state());
        assertEquals("1008 Slow consumer", connection.closedWith());
    }

    @Test
    @DisplayName("§2: a dropped peer and a close the transport started move the state too")
    void abortAndTransportClose() {
        authenticate();
        assertTrue(session.abort("Heartbeat timeout"));
        assertEquals("abort: Heartbeat timeout", connection.closedWith());
        assertEquals(ConnectionState.CLOSED, session.state());

        Session other = new Session("c2", new RecordingConnection());
        other.closedByTransport(1001, "Server shutting down");
        assertEquals(ConnectionState.CLOSED, other.state());
        other.disconnected();
        assertEquals(ConnectionState.CLOSED, other.state());
        assertNull(other.user());
    }

    @Test
    @DisplayName("§2: a disconnect is never a close the server starts")
    void disconnectIsNotAClose() {
        assertFalse(session.close(Event.DISCONNECTED, CloseReason.INTERNAL_ERROR));
        assertNull(connection.closedWith());
        assertEquals(ConnectionState.AWAITING_AUTH, session.state());
    }
}
