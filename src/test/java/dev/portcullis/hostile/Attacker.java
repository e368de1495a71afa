package dev.portcullis.hostile;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.portcullis.testing.RawClient;
import dev.portcullis.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * One hostile connection from a loopback address of its own (127.0.0.N), so the audit log tells it apart:
 * it passes the gate as mallory or not, then writes the same bytes over and over, never reading, until the
 * server stops taking them. Only then does it read what the server answered.
 */
final class Attacker implements AutoCloseable {
    private final String ip;
    private final RawClient socket;
    /** Bytes written before the server stopped taking them; set by the blasting thread. */
    private volatile long written;

    private Attacker(String ip, RawClient socket) {
        this.ip = ip;
        this.socket = socket;
    }

    /** Upgrades from 127.0.0.{@code n}; with {@code authenticated} also passes the gate as mallory. */
    static Attacker connect(SmallHeapServer server, int n, boolean authenticated, int receiveBuffer) {
        String ip = "127.0.0." + n;
        // Logged in before the socket opens, as a client does: a login slowed by the attack must not run into
        // the auth deadline and end the connection with a close the test does not expect of it.
        String token = authenticated ? login(server) : null;
        RawClient socket = RawClient.openFrom(ip, server.wsPort(), receiveBuffer);
        String head = socket.upgrade(server.wsPort());
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new AssertionError("not upgraded: " + head);
        }
        if (authenticated) {
            socket.sendText(JsonNodeFactory.instance.objectNode().put("type", "auth").put("token", token).toString());
            String reply = socket.readText();
            if (!reply.contains("\"auth_ok\"")) {
                throw new AssertionError("not authenticated: " + reply);
            }
        }
        return new Attacker(ip, socket);
    }

    /** A token of mallory's. */
    static String login(SmallHeapServer server) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.httpUri("/auth/login"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"mallory\",\"password\":\""
                            + TestServer.PASSWORD + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            return TestServer.json(r.body()).get("access_token").asText();
        } catch (Exception e) {
            throw new AssertionError("mallory could not log in", e);
        }
    }

    String ip() {
        return ip;
    }

    RawClient socket() {
        return socket;
    }

    /** {@code count} copies of {@code frame} back to back, to write in one go. */
    static byte[] repeat(byte[] frame, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(frame.length * count);
        for (int i = 0; i < count; i++) {
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }

    /** Writes {@code chunk} {@code times} times, or until the server closes; the bytes it took. */
    long blast(byte[] chunk, int times) {
        try {
            for (int i = 0; i < times; i++) {
                socket.writeRaw(chunk);
                written += chunk.length;
            }
        } catch (UncheckedIOException e) {
            // the server closed the connection: what the attack is meant to end in
        }
        return written;
    }

    long written() {
        return written;
    }

    /** What the server sent last: its close frame, or null if it dropped TCP without one (or it was lost). */
    RawClient.Frame closeFrame() {
        return socket.readUntilClose();
    }

    @Override
    public void close() {
        socket.close();
    }

    @Override
    public String toString() {
        return "attacker " + ip;
    }
}
