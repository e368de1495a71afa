package dev.portcullis.server;

import static dev.portcullis.testing.Clients.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.client.ClientState;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The door against an attacker spread over many addresses, on a real server: the global cap on
 * unauthenticated connections (protocol.md §12.6), and per-address limits that count a whole prefix
 * (§12.4). Loopback accepts any 127/8 source address, so each
 * RawClient can be a different client address.
 */
class SpreadAttackTest {
    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    @Test
    @DisplayName("§12.6: past --max-pending-connections the oldest unauthenticated connection makes room, and an honest client gets in")
    void oldestPendingMakesRoom() throws Exception {
        // Deadlines far away: only the cap may close anything here.
        server = servers.start("--max-pending-connections", "20", "--auth-timeout", "1m", "--handshake-timeout", "1m");
        // The oldest has not even sent its upgrade request.
        RawClient halfOpen = servers.track(RawClient.openFrom("127.0.0.2", server.wsPort(), 0));
        List<RawClient> idle = new ArrayList<>();
        for (int i = 0; i < 19; i++) {
            idle.add(upgraded(3 + i));
        }

        PortcullisClient alice = servers.track(Clients.connected(server, "alice"));
        assertEquals(0, halfOpen.awaitEndOfStream(), "displaced mid-handshake: TCP closed, no HTTP answer");

        // alice no longer counts; 19 idle ones do. The 21st pending connection displaces the oldest, and so on.
        upgraded(22);
        for (int i = 0; i < 3; i++) {
            upgraded(23 + i);
            RawClient.Frame close = idle.get(i).readUntilClose();
            assertNotNull(close, "idle connection " + i + " got no close frame");
            assertEquals(1008, close.closeCode());
            assertEquals("Server busy", close.closeReason());
        }

        PortcullisClient bob = servers.track(Clients.connected(server, "bob"));
        get(bob.join("r"));
        assertEquals(List.of("alice", "bob"), get(alice.join("r")), "an authenticated connection is never displaced");
        assertEquals(ClientState.AUTHENTICATED, alice.state());
        assertTrue(server.auditEvents().stream().anyMatch(e -> e.get("event").asText().equals("auth_failed")
                && e.get("reason").asText().equals("Server busy")));
    }

    @Test
    @DisplayName("§12.4: with --ipv4-prefix 24 two addresses of one /24 share one pending count; another /24 does not")
    void prefixSharesPendingCount() {
        server = servers.start("--max-pending-per-ip", "2", "--ipv4-prefix", "24");
        upgraded(2);
        upgraded(3);
        try (RawClient third = RawClient.openFrom("127.0.0.4", server.wsPort(), 0)) {
            String answer = third.upgrade(server.wsPort());
            // The connect rate is off: a 429 here is the pending cap.
            assertTrue(answer.startsWith("HTTP/1.1 429 Too Many Requests"), answer);
        }
        upgradedFrom("127.0.1.2");
    }

    @Test
    @DisplayName("§12.4: failed auths from two addresses of one /24 ban the /24; the audit log names the full address")
    void prefixSharesBan() {
        server = servers.start("--ip-auth-failures", "2:60", "--ipv4-prefix", "24");
        for (int host : new int[] {2, 3}) {
            RawClient c = upgraded(host);
            c.sendText("{\"type\":\"auth\",\"token\":\"forged\"}");
            assertEquals("Invalid token", c.readUntilClose().closeReason());
        }
        try (RawClient c = RawClient.openFrom("127.0.0.9", server.wsPort(), 0)) {
            String answer = c.upgrade(server.wsPort());
            assertTrue(answer.startsWith("HTTP/1.1 403 Forbidden"), answer);
        }
        upgradedFrom("127.0.1.2");
        assertEquals(List.of("127.0.0.3"), server.auditEvents().stream()
                .filter(e -> e.get("event").asText().equals("ip_banned")).map(e -> e.get("remote").asText()).toList());
    }

    /** A connection from 127.0.0.{@code host} that completed its upgrade and never authenticates. */
    private RawClient upgraded(int host) {
        return upgradedFrom("127.0.0." + host);
    }

    private RawClient upgradedFrom(String address) {
        RawClient c = servers.track(RawClient.openFrom(address, server.wsPort(), 0));
        String answer = c.upgrade(server.wsPort());
        assertTrue(answer.startsWith("HTTP/1.1 101"), address + ": " + answer);
        return c;
    }
}
