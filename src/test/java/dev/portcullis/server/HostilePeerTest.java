package dev.portcullis.server;

import static dev.portcullis.testing.Clients.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.RecordingClient;
import dev.portcullis.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw-socket attacks on what is reachable before auth_ok: protocol.md §6 and §10. Each ends by checking
 * that an honest client, the project's Java client, still gets in. The attackers are RawClient and
 * RecordingClient, since they send bytes and JSON no well-behaved client would.
 */
class HostilePeerTest {
    /** The --handshake-timeout every test's server runs with. */
    private static final long HANDSHAKE_TIMEOUT_MS = 300;
    /** protocol.md §1: the deadline a server started without --handshake-timeout would apply. */
    private static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;
    /** Millisecond rounding on either clock; the server's scheduler never fires early. */
    private static final long TIMER_SLACK_MS = 10;

    @TempDir
    Path dir;
    TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(dir, "--handshake-timeout", HANDSHAKE_TIMEOUT_MS + "ms");
    }

    @AfterEach
    void stillServing() throws InterruptedException {
        try (PortcullisClient c = Clients.connected(server, "alice")) {
            assertEquals(List.of("alice"), get(c.join("after-attack")));
        } finally {
            server.close();
        }
    }

    @Test
    @DisplayName("§10: a header announcing a 2 GiB frame is answered with 1009 at once, before any allocation")
    void twoGigabyteHeader() {
        try (RawClient c = RawClient.connect(server.wsPort())) {
            ByteBuffer header = ByteBuffer.allocate(14).put((byte) 0x81).put((byte) (0x80 | 127))
                    .putLong(2L * 1024 * 1024 * 1024).put(new byte[] {1, 2, 3, 4});
            c.writeRaw(header.array());
            RawClient.Frame close = c.readUntilClose();
            assertNotNull(close, "no close frame");
            assertEquals(1009, close.closeCode());
        }
    }

    @Test
    @DisplayName("§10: fragments are counted as they arrive; passing the limit closes with 1009 without waiting for FIN")
    void endlessFragments() {
        try (RawClient c = RawClient.connect(server.wsPort())) {
            byte[] kib = "f".repeat(1024).getBytes(StandardCharsets.US_ASCII);
            c.writeRaw(RawClient.frame(RawClient.TEXT, false, kib, true));
            for (int i = 1; i <= 64; i++) { // 65 KiB in all, one KiB over the limit, and never a FIN
                c.writeRaw(RawClient.frame(0x0, false, kib, true));
            }
            RawClient.Frame close = c.readUntilClose();
            assertNotNull(close, "the server waited for a FIN that never comes");
            assertEquals(1009, close.closeCode());
        }
    }

    @Test
    @DisplayName("§10: a message in more fragments than allowed, even empty ones, closes with 1009 Too many fragments")
    void emptyFragmentFlood() {
        byte[] none = new byte[0];
        for (boolean authenticated : new boolean[] {false, true}) {
            try (RawClient c = authenticated ? server.rawAuthenticated("alice", 0) : RawClient.connect(server.wsPort())) {
                c.writeRaw(RawClient.frame(RawClient.TEXT, false, "{".getBytes(StandardCharsets.US_ASCII), true));
                // 128 fragments are allowed at the default 64 KiB limit; each of these is 6 bytes on the wire.
                for (int i = 0; i < 200; i++) {
                    c.writeRaw(RawClient.frame(0x0, false, none, true));
                }
                RawClient.Frame close = c.readUntilClose();
                assertNotNull(close, "the server kept collecting empty fragments");
                assertEquals(1009, close.closeCode());
                assertEquals("Too many fragments", close.closeReason());
            }
        }
    }

    @Test
    @DisplayName("§10: a message in as many fragments as allowed is delivered whole")
    void fragmentsUpToTheLimit() {
        try (RawClient c = server.rawAuthenticated("alice", 0)) {
            String join = "{\"type\":\"join\",\"room\":\"fragments\"}";
            byte[] bytes = join.getBytes(StandardCharsets.US_ASCII);
            c.writeRaw(RawClient.frame(RawClient.TEXT, false, new byte[] {bytes[0]}, true));
            for (int i = 1; i < 127; i++) {
                c.writeRaw(RawClient.frame(0x0, false, new byte[0], true));
            }
            c.writeRaw(RawClient.frame(0x0, true, Arrays.copyOfRange(bytes, 1, bytes.length), true));
            assertTrue(c.readText().contains("\"type\":\"joined\""));
        }
    }

    @Test
    @DisplayName("§10: more than 5 pings before auth close with 1008 Too many control frames")
    void pingsBeforeAuth() {
        try (RawClient c = RawClient.connect(server.wsPort())) {
            for (int i = 0; i < 6; i++) {
                c.writeRaw(RawClient.frame(RawClient.PING, true, "p".repeat(125).getBytes(StandardCharsets.US_ASCII), true));
            }
            int pongs = 0;
            RawClient.Frame f;
            while ((f = c.readFrame()).opcode() == RawClient.PONG) {
                pongs++;
            }
            assertEquals(5, pongs, "a pong for each allowed ping, none for the one past the limit");
            assertEquals(RawClient.CLOSE, f.opcode());
            assertEquals(1008, f.closeCode());
            assertEquals("Too many control frames", f.closeReason());
        }
    }

    @Test
    @DisplayName("§10: an authenticated peer gets a burst of 20 control frames, then 2 a second; a flood closes with 1008")
    void pingFloodAfterAuth() {
        try (RawClient c = server.rawAuthenticated("alice", 0)) {
            // One write: the server closes after the burst, and frame-by-frame writes past that would fail.
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) {
                flood.writeBytes(RawClient.frame(i % 2 == 0 ? RawClient.PING : RawClient.PONG, true, new byte[0], true));
            }
            c.writeRaw(flood.toByteArray());
            RawClient.Frame close = c.readUntilClose();
            assertNotNull(close, "the flood was not stopped");
            assertEquals(1008, close.closeCode());
            assertEquals("Too many control frames", close.closeReason());
        }
    }

    @Test
    @DisplayName("§10: frames sent right behind the upgrade request, in the same write, do not count against its 8 KiB")
    void framesPipelinedBehindTheUpgrade() {
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            String token = server.login("alice", TestServer.PASSWORD);
            byte[] request = ("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + server.wsPort() + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] auth = RawClient.frame(RawClient.TEXT, true, ("{\"type\":\"auth\",\"token\":\"" + token + "\"}")
                    .getBytes(StandardCharsets.US_ASCII), true);
            // 12 KiB of joins behind the request: more than the request cap, in one write.
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            wire.writeBytes(request);
            wire.writeBytes(auth);
            byte[] join = RawClient.frame(RawClient.TEXT, true, "{\"type\":\"join\",\"room\":\"pipelined\"}"
                    .getBytes(StandardCharsets.US_ASCII), true);
            int joins = 0;
            while (wire.size() < request.length + 12 * 1024) {
                wire.writeBytes(join);
                joins++;
            }
            c.writeRaw(wire.toByteArray());
            assertTrue(c.readHead().startsWith("HTTP/1.1 101"));
            assertTrue(c.readText().contains("\"type\":\"auth_ok\""));
            assertTrue(c.readText().contains("\"type\":\"joined\""), "the first join is answered");
            assertTrue(joins > 100);
        }
    }

    @Test
    @DisplayName("§6: an unmasked client frame is a protocol error, closed with 1002")
    void unmaskedFrame() {
        try (RawClient c = RawClient.connect(server.wsPort())) {
            c.writeRaw(RawClient.frame(RawClient.TEXT, true, "{\"type\":\"auth\",\"token\":\"x\"}".getBytes(StandardCharsets.UTF_8), false));
            RawClient.Frame close = c.readUntilClose();
            assertNotNull(close);
            assertEquals(1002, close.closeCode());
        }
    }

    @Test
    @DisplayName("§6: a text frame that is not UTF-8 is closed with 1007")
    void invalidUtf8() {
        try (RawClient c = RawClient.connect(server.wsPort())) {
            c.writeRaw(RawClient.frame(RawClient.TEXT, true, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}, true));
            RawClient.Frame close = c.readUntilClose();
            assertNotNull(close);
            assertEquals(1007, close.closeCode());
        }
    }

    @Test
    @DisplayName("§6: a close frame whose reason is not UTF-8 fails the connection instead of leaving it hanging")
    void closeReasonNotUtf8() {
        try (RawClient c = RawClient.connect(server.wsPort())) {
            c.writeRaw(RawClient.frame(RawClient.CLOSE, true, new byte[] {0x03, (byte) 0xE8, (byte) 0xC3, 0x28}, true));
            RawClient.Frame close = c.readUntilClose();
            // The library cannot parse the frame at all, so it fails the connection (protocol.md §6, 1002 row).
            assertNotNull(close, "no close frame before the end of the stream");
            assertEquals(1002, close.closeCode());
            assertEquals("Malformed frame", close.closeReason());
            c.awaitEndOfStream();
        }
    }

    @Test
    @DisplayName("§10: a connection that sends half an upgrade request is closed after --handshake-timeout")
    void halfHandshake() {
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            // The server's deadline starts at its accept, which is no earlier than open() returning here.
            long connected = System.nanoTime();
            c.writeRaw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n".getBytes(StandardCharsets.US_ASCII));
            assertClosedByHandshakeTimeout(c, connected);
        }
    }

    @Test
    @DisplayName("§10: a connection that sends nothing at all is closed after --handshake-timeout")
    void silentTcp() {
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            assertClosedByHandshakeTimeout(c, System.nanoTime());
        }
    }

    /** The server ends {@code c}'s stream, with no answer, at --handshake-timeout after {@code connected}. */
    private static void assertClosedByHandshakeTimeout(RawClient c, long connected) {
        assertEquals(0, c.awaitEndOfStream(), "a pending upgrade is closed without an HTTP answer");
        long tookMs = (System.nanoTime() - connected) / 1_000_000;
        assertTrue(tookMs >= HANDSHAKE_TIMEOUT_MS - TIMER_SLACK_MS, "closed before the deadline: " + tookMs + " ms");
        // Without the option the default 5 s deadline would close it; nothing else closes a pending upgrade.
        assertTrue(tookMs < DEFAULT_HANDSHAKE_TIMEOUT_MS / 2, "closed by --handshake-timeout, not the default: "
                + tookMs + " ms");
    }

    @Test
    @DisplayName("§10: an upgrade request over 8 KiB is cut off")
    void oversizedHandshake() {
        try (RawClient c = RawClient.open(server.wsPort(), 0)) {
            StringBuilder req = new StringBuilder("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            while (req.length() < 9 * 1024) {
                req.append("X-Filler: ").append("z".repeat(100)).append("\r\n");
            }
            c.writeRaw(req.toString().getBytes(StandardCharsets.US_ASCII));
            assertEquals(0, c.awaitEndOfStream(), "cut off without an HTTP answer (protocol.md §10)");
        }
    }

    @Test
    @DisplayName("§5: deeply nested or huge-number JSON is a clean error after auth and a 1008 before it")
    void hostileJson() {
        String deep = "{\"type\":\"message\",\"room\":\"r\",\"payload\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        String bigNumber = "{\"type\":\"message\",\"room\":\"r\",\"payload\":" + "9".repeat(5000) + "}";
        String hugeExponent = "{\"type\":\"message\",\"room\":\"r\",\"payload\":1e9999999999}";
        try (RecordingClient c = server.authenticated("alice")) {
            c.send(deep);
            c.awaitError("malformed_message");
            c.send(bigNumber);
            c.awaitError("malformed_message");
            c.send(hugeExponent);
            c.awaitError("malformed_message");
        }
        try (RecordingClient c = server.connect()) {
            c.send(hugeExponent);
            c.awaitClose(1008, "Expected auth message");
        }
        try (RecordingClient c = server.connect()) {
            c.send(deep);
            c.awaitClose(1008, "Expected auth message");
        }
    }
}
