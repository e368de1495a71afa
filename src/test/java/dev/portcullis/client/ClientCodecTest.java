package dev.portcullis.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.protocol.ClientMessage;
import dev.portcullis.protocol.ErrorCode;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.ServerMessage;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The client's codec against the server's, of the same version (protocol.md §4): what one writes, the other
 * reads as the same message. The network is the other tests' business; here only the text is compared.
 */
class ClientCodecTest {
    private final ClientCodec client = new ClientCodec();
    private final MessageCodec server = new MessageCodec();

    @Test
    @DisplayName("§4: every message the client sends is read by the server as the request it stands for")
    void clientToServer() throws Exception {
        assertEquals(new ClientMessage.Auth("t.o.k", null), server.decode(client.auth("t.o.k")));
        assertEquals(new ClientMessage.Refresh("n.e.w"), server.decode(client.refresh("n.e.w")));
        assertEquals(new ClientMessage.Join("lobby"), server.decode(client.join("lobby")));
        assertEquals(new ClientMessage.Leave("lobby"), server.decode(client.leave("lobby")));
        assertEquals(new ClientMessage.Publish("lobby", "{\"n\":1.10}", "c-1"),
                server.decode(client.message("lobby", " {\"n\":1.10} ", "c-1")));
    }

    @Test
    @DisplayName("§4: every message the server sends is read by the client as the event it stands for")
    void serverToClient() {
        assertEquals(new ClientCodec.AuthOk("alice", List.of("user"), 1700000000L),
                client.decode(server.encode(new ServerMessage.AuthOk("alice", List.of("user"), 1700000000L))));
        assertEquals(new ClientCodec.Error("rate_limited", "slow down", "lobby", "c-1", 250L),
                client.decode(server.encode(new ServerMessage.Error(ErrorCode.RATE_LIMITED, "slow down", "lobby", "c-1", 250L))));
        assertEquals(new ClientCodec.Joined("lobby", List.of("alice", "bob")),
                client.decode(server.encode(new ServerMessage.Joined("lobby", List.of("alice", "bob")))));
        assertEquals(new ClientCodec.Left("lobby"), client.decode(server.encode(new ServerMessage.Left("lobby"))));
        assertEquals(new ClientCodec.Relayed(new RoomMessage("lobby", "bob", "[1.10,2]", "c-1", 7, 1700000000123L)),
                client.decode(server.encode(new ServerMessage.RoomMessage("lobby", "bob", "[1.10,2]", "c-1", 7, 1700000000123L))));
        assertEquals(new ClientCodec.Presence("lobby", "bob", ClientListener.PresenceEvent.JOIN),
                client.decode(server.encode(new ServerMessage.Presence("lobby", "bob", ServerMessage.PresenceEvent.JOIN))));
        assertEquals(new ClientCodec.Presence("lobby", "bob", ClientListener.PresenceEvent.LEAVE),
                client.decode(server.encode(new ServerMessage.Presence("lobby", "bob", ServerMessage.PresenceEvent.LEAVE))));
        assertEquals(new ClientCodec.Refreshed(1700003600L), client.decode(server.encode(new ServerMessage.Refreshed(1700003600L))));
        assertEquals(new ClientCodec.Expiring(1700003600L), client.decode(server.encode(new ServerMessage.Expiring(1700003600L))));
    }
}
