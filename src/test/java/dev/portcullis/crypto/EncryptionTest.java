package dev.portcullis.crypto;

import static dev.portcullis.testing.Clients.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Wire;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fernet payload encryption negotiated at auth, against a real server: protocol.md §14. Encrypted members
 * are RecordingClients sealing by hand, since the Java client does not encrypt; the plaintext member of
 * mixedRoom is the Java client.
 */
class EncryptionTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @RegisterExtension
    final Servers servers = new Servers();
    TestServer server;

    /** The client side of an encrypted session: seals what it sends, opens what it receives. */
    private record Sealed(RecordingClient client, Fernet fernet) implements AutoCloseable {
        void send(String json) {
            client.send(fernet.encrypt(json.getBytes(StandardCharsets.UTF_8)));
        }

        String receiveRaw() {
            return client.awaitText();
        }

        JsonNode receive() throws FernetException {
            return TestServer.json(new String(fernet.decrypt(receiveRaw(), null), StandardCharsets.UTF_8));
        }

        @Override
        public void close() {
            client.close();
        }
    }

    private Sealed encrypted(String user, Fernet fernet) {
        RecordingClient c = server.connect();
        c.send("{\"type\":\"auth\",\"token\":\"" + server.login(user, TestServer.PASSWORD) + "\",\"encryption\":\"fernet\"}");
        JsonNode ok = c.awaitMessage("auth_ok"); // in the clear
        assertEquals("fernet", ok.get("encryption").asText());
        return new Sealed(c, fernet);
    }

    @Test
    @DisplayName("§14.3: an encrypted and a plaintext member share a room; one broadcast is sealed once for all encrypted members")
    void mixedRoom() throws Exception {
        String key = FernetKey.generate(RANDOM);
        server = servers.start("--fernet-keys", key);
        Fernet fernet = new Fernet(List.of(FernetKey.parse(key)), RANDOM, Clock.systemUTC());
        Recorder b = new Recorder();
        try (Sealed alice = encrypted("alice", fernet);
             Sealed carol = encrypted("carol", fernet);
             PortcullisClient bob = Clients.connected(server, "bob", b)) {
            alice.send(Wire.join("mixed"));
            assertEquals("joined", alice.receive().get("type").asText());
            carol.send(Wire.join("mixed"));
            assertEquals("joined", carol.receive().get("type").asText());
            assertEquals("presence", alice.receive().get("type").asText());
            get(bob.join("mixed"));
            assertEquals("presence", alice.receive().get("type").asText());
            assertEquals("presence", carol.receive().get("type").asText());

            assertEquals("\"from bob in the clear\"", get(bob.send("mixed", "\"from bob in the clear\"", "b1")).payloadJson());
            String toAlice = alice.receiveRaw();
            String toCarol = carol.receiveRaw();
            assertEquals(toAlice, toCarol, "the same sealed bytes for every encrypted member");
            assertEquals("from bob in the clear",
                    TestServer.json(new String(fernet.decrypt(toAlice, null), StandardCharsets.UTF_8)).get("payload").asText());

            alice.send(Wire.message("mixed", "\"secret from alice\"", "a1"));
            JsonNode own = alice.receive();
            assertEquals("secret from alice", own.get("payload").asText());
            assertEquals("secret from alice", carol.receive().get("payload").asText());
            assertEquals("\"secret from alice\"", b.await(Recorder.Message.class, 2).get(1).payloadJson(), "bob reads it in the clear");
        }
    }

    @Test
    @DisplayName("§14.3: a frame that does not decrypt gets decryption_failed in the clear, is dropped, and the session goes on")
    void garbageFrame() throws Exception {
        String key = FernetKey.generate(RANDOM);
        server = servers.start("--fernet-keys", key);
        Fernet fernet = new Fernet(List.of(FernetKey.parse(key)), RANDOM, Clock.systemUTC());
        Fernet stranger = new Fernet(List.of(FernetKey.parse(FernetKey.generate(RANDOM))), RANDOM, Clock.systemUTC());
        try (Sealed alice = encrypted("alice", fernet)) {
            alice.client().send(Wire.join("plain-text-is-not-allowed-here"));
            JsonNode error = TestServer.json(alice.receiveRaw());
            assertEquals("decryption_failed", error.get("code").asText());
            alice.client().send(stranger.encrypt(Wire.join("r").getBytes(StandardCharsets.UTF_8)));
            assertEquals("decryption_failed", TestServer.json(alice.receiveRaw()).get("code").asText());
            alice.send(Wire.join("r"));
            assertEquals("joined", alice.receive().get("type").asText());
        }
        assertTrue(server.auditEvents().stream().noneMatch(e -> e.get("event").asText().equals("ws_close")
                && e.get("code").asInt() != 1000));
    }

    @Test
    @DisplayName("§14.3: repeated undecryptable frames count as violations and block the user")
    void violations() {
        String key = FernetKey.generate(RANDOM);
        server = servers.start("--fernet-keys", key, "--block-after", "3");
        Fernet fernet = new Fernet(List.of(FernetKey.parse(key)), RANDOM, Clock.systemUTC());
        try (Sealed alice = encrypted("alice", fernet)) {
            for (int i = 0; i < 3; i++) {
                alice.client().send("garbage-" + i);
            }
            for (int i = 0; i < 3; i++) {
                alice.client().awaitError("decryption_failed");
            }
            alice.client().awaitClose(1008, "Blocked for abuse");
        }
    }

    @Test
    @DisplayName("§14.2: without keys, asking for encryption is refused with 1008 Encryption unavailable; an unknown scheme too")
    void unavailable() {
        server = servers.start();
        String token = server.login("alice", TestServer.PASSWORD);
        try (RecordingClient c = server.connect()) {
            c.send("{\"type\":\"auth\",\"token\":\"" + token + "\",\"encryption\":\"fernet\"}");
            c.awaitClose(1008, "Encryption unavailable");
        }
        server.close();
        server = servers.startAfter(server, "--fernet-keys", FernetKey.generate(RANDOM));
        try (RecordingClient c = server.connect()) {
            c.send("{\"type\":\"auth\",\"token\":\"" + token + "\",\"encryption\":\"rot13\"}");
            c.awaitClose(1008, "Encryption unavailable");
        }
    }

    @Test
    @DisplayName("§14.2: with a new key put first, tokens sealed with the old key still open; replies use the new one")
    void rotation() throws Exception {
        String oldKey = FernetKey.generate(RANDOM);
        String newKey = FernetKey.generate(RANDOM);
        server = servers.start("--fernet-keys", newKey + "," + oldKey);
        Fernet clientOld = new Fernet(List.of(FernetKey.parse(oldKey)), RANDOM, Clock.systemUTC());
        Fernet clientNew = new Fernet(List.of(FernetKey.parse(newKey)), RANDOM, Clock.systemUTC());
        try (Sealed alice = encrypted("alice", clientOld)) {
            alice.send(Wire.join("r"));
            String reply = alice.receiveRaw();
            assertEquals("joined", TestServer.json(new String(clientNew.decrypt(reply, null), StandardCharsets.UTF_8))
                    .get("type").asText());
            assertNotEquals(null, reply);
        }
    }
}
