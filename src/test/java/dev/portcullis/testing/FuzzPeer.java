package dev.portcullis.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * A seeded stream of everything a peer can send over WebSocket, before and after auth: random bytes, mutated,
 * fragmented, unmasked and oversized frames, reserved opcodes, bad UTF-8, control frames, and client messages
 * of every shape. The same seed sends the same bytes, so a failure names what to replay.
 */
public final class FuzzPeer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FuzzPeer() {
    }

    /**
     * One hostile peer: a raw connection to {@code wsPort}, authenticated with {@code token} or not, then
     * {@code actions} seeded pieces of abuse; returns when done or when the server has closed it.
     */
    public static void run(int wsPort, String token, long seed, int actions) {
        Random random = new Random(seed);
        try (RawClient c = RawClient.connect(wsPort)) {
            if (random.nextBoolean()) {
                c.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            }
            for (int i = 0; i < actions; i++) {
                c.writeRaw(action(random, token));
                if (!c.drainAvailable()) {
                    return;
                }
            }
        } catch (UncheckedIOException e) {
            // the server closed this peer, as it should for most of what it sends
        } catch (AssertionError e) {
            throw new AssertionError("peer with seed " + seed + " failed", e);
        }
    }

    private static byte[] action(Random r, String token) {
        byte[] message = message(r, token).getBytes(StandardCharsets.UTF_8);
        return switch (r.nextInt(12)) {
            case 0 -> randomBytes(r, 1 + r.nextInt(64));
            case 1 -> mutate(r, RawClient.frame(RawClient.TEXT, true, message, true));
            case 2 -> RawClient.frame(RawClient.BINARY, true, randomBytes(r, r.nextInt(200)), true);
            case 3 -> fragmented(r, message);
            case 4 -> RawClient.frame(3 + r.nextInt(5), true, message, true);          // reserved opcodes
            case 5 -> RawClient.frame(RawClient.TEXT, true, message, false);            // unmasked
            case 6 -> RawClient.frame(RawClient.TEXT, true, randomBytes(r, 1 + r.nextInt(40)), true); // bad UTF-8
            case 7 -> control(r);
            case 8 -> oversizedHeader(r);
            default -> RawClient.frame(RawClient.TEXT, true, message, true);
        };
    }

    /** A client message built from the real types with random field values and shapes. */
    private static String message(Random r, String token) {
        ObjectNode m = JSON.createObjectNode();
        String[] types = {"auth", "join", "leave", "message", "refresh", "", "JOIN", "\u0000"};
        switch (r.nextInt(6)) {
            case 0 -> m.put("type", r.nextInt(100));
            case 1 -> { }
            default -> m.put("type", types[r.nextInt(types.length)]);
        }
        if (r.nextBoolean()) {
            m.put("token", r.nextInt(4) == 0 ? token : randomString(r, 40));
        }
        if (r.nextInt(3) > 0) {
            String[] rooms = {"lobby", "r" + r.nextInt(4), "", "x".repeat(70), "bad room", "ünï", "team-*"};
            m.put("room", rooms[r.nextInt(rooms.length)]);
        }
        if (r.nextBoolean()) {
            m.set("payload", tree(r, r.nextInt(10) == 0 ? 60 : 4));
        }
        if (r.nextInt(4) == 0) {
            m.put("id", randomString(r, 1 + r.nextInt(200)));
        }
        if (r.nextInt(5) == 0) {
            m.put("from", "root");
        }
        String text = m.toString();
        return switch (r.nextInt(8)) {
            case 0 -> text.substring(0, r.nextInt(text.length() + 1));
            case 1 -> text + text;
            case 2 -> "[".repeat(r.nextInt(200)) + text;
            case 3 -> "9".repeat(1 + r.nextInt(300));
            default -> text;
        };
    }

    private static JsonNode tree(Random r, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (depth == 0) {
            return f.textNode(randomString(r, 5));
        }
        return switch (r.nextInt(6)) {
            case 0 -> {
                ArrayNode a = f.arrayNode();
                a.add(tree(r, depth - 1));
                yield a;
            }
            case 1 -> f.objectNode().set("k", tree(r, depth - 1));
            case 2 -> f.numberNode(r.nextDouble() * Math.pow(10, r.nextInt(300)));
            case 3 -> f.nullNode();
            case 4 -> f.booleanNode(r.nextBoolean());
            default -> f.textNode(randomString(r, r.nextInt(50)));
        };
    }

    private static byte[] fragmented(Random r, byte[] message) {
        ByteBuffer out = ByteBuffer.allocate(message.length + 64 * 8 + 200);
        int parts = 1 + r.nextInt(4);
        int at = 0;
        for (int p = 0; p < parts; p++) {
            int end = p == parts - 1 ? message.length : Math.min(message.length, at + r.nextInt(message.length + 1));
            byte[] piece = Arrays.copyOfRange(message, at, end);
            boolean last = p == parts - 1 && r.nextInt(5) > 0; // sometimes never finished
            out.put(RawClient.frame(p == 0 ? RawClient.TEXT : 0x0, last, piece, true));
            if (r.nextInt(4) == 0) {
                out.put(RawClient.frame(RawClient.PING, true, randomBytes(r, r.nextInt(20)), true));
            }
            at = end;
        }
        byte[] wire = new byte[out.position()];
        out.flip().get(wire);
        return wire;
    }

    private static byte[] control(Random r) {
        int[] ops = {RawClient.PING, RawClient.PONG, RawClient.CLOSE};
        int op = ops[r.nextInt(ops.length)];
        byte[] payload = randomBytes(r, r.nextInt(4) == 0 ? 126 + r.nextInt(100) : r.nextInt(30));
        return RawClient.frame(op, r.nextInt(6) > 0, payload, true);
    }

    private static byte[] oversizedHeader(Random r) {
        return ByteBuffer.allocate(14).put((byte) 0x81).put((byte) (0x80 | 127))
                .putLong(r.nextBoolean() ? Long.MAX_VALUE : (1L << 31) + r.nextInt(1 << 20)).putInt(r.nextInt()).array();
    }

    private static byte[] mutate(Random r, byte[] frame) {
        byte[] copy = frame.clone();
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            copy[r.nextInt(copy.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return copy;
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static String randomString(Random r, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) (r.nextInt(4) == 0 ? r.nextInt(0xD7FF) : 32 + r.nextInt(95)));
        }
        return b.toString();
    }

}
