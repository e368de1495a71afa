package dev.portcullis.bench;

import java.net.InetSocketAddress;

/**
 * What differs between the two servers as a client sees them. Portcullis: every connection authenticates
 * first and traffic goes through rooms. The baseline: the same bytes are simply echoed, or broadcast when
 * they come from a connection on {@link BaselineServer#BROADCAST_PATH}.
 */
abstract class Side {
    static final byte[] MESSAGE = Texts.utf8("{\"type\":\"message\"");
    /** A token-sized stand-in, so the baseline's first message is as long as a real auth message. */
    private static final String FAKE_TOKEN = "x".repeat(256);

    private final ServerProcess server;

    Side(ServerProcess server) {
        this.server = server;
    }

    abstract String name();

    final ServerProcess server() {
        return server;
    }

    final InetSocketAddress ws() {
        return server.ws();
    }

    /** The first message of every connection: {@code auth}, or the same shape for the baseline to echo. */
    abstract byte[] greeting();

    /** Whether this text answers the greeting ({@code auth_ok}, or the echo). */
    abstract boolean greeted(byte[] a, int off, int len);

    /** The message that puts a connection in {@code room}, or null where there are no rooms. */
    abstract byte[] join(String room);

    /** Whether this text answers {@link #join}. */
    abstract boolean joined(byte[] a, int off, int len);

    /** The path a fan-out sender opens. */
    abstract String senderPath();

    /** What the fan-out sender sends as message number {@code seq}; members receive the same bytes either way. */
    abstract String fanoutMessage(String room, long seq, long sentNanos, String pad);

    /** A probe's message to its room of one (Portcullis) or to its own echo (baseline). */
    static String probeMessage(String room, long n) {
        return "{\"type\":\"message\",\"room\":\"" + room + "\",\"payload\":{\"n\":" + n + "}}";
    }

    /** Whether a text is the relay (or echo) of a probe or fan-out message. */
    static boolean isMessage(byte[] a, int off, int len) {
        return Texts.startsWith(a, off, len, MESSAGE);
    }

    /** Portcullis as an operator runs it, every connection authenticated with one token. */
    static final class Gated extends Side {
        private static final byte[] AUTH_OK = Texts.utf8("{\"type\":\"auth_ok\"");
        private static final byte[] JOINED = Texts.utf8("{\"type\":\"joined\"");
        private final byte[] auth;
        private final String token;

        Gated(ServerProcess server, String token) {
            super(server);
            this.token = token;
            this.auth = Texts.utf8("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
        }

        /** The access token every connection of this side authenticates with. */
        String token() {
            return token;
        }

        @Override
        String name() {
            return "portcullis";
        }

        @Override
        byte[] greeting() {
            return auth;
        }

        @Override
        boolean greeted(byte[] a, int off, int len) {
            return Texts.startsWith(a, off, len, AUTH_OK);
        }

        @Override
        byte[] join(String room) {
            return Texts.utf8("{\"type\":\"join\",\"room\":\"" + room + "\"}");
        }

        @Override
        boolean joined(byte[] a, int off, int len) {
            return Texts.startsWith(a, off, len, JOINED);
        }

        @Override
        String senderPath() {
            return "/";
        }

        @Override
        String fanoutMessage(String room, long seq, long sentNanos, String pad) {
            return "{\"type\":\"message\",\"room\":\"" + room + "\",\"payload\":{\"t\":" + sentNanos + ",\"p\":\"" + pad + "\"}}";
        }
    }

    /** The bare Java-WebSocket server. */
    static final class Bare extends Side {
        private static final byte[] GREETING = Texts.utf8("{\"type\":\"auth\",\"token\":\"" + FAKE_TOKEN + "\"}");

        Bare(ServerProcess server) {
            super(server);
        }

        @Override
        String name() {
            return "baseline";
        }

        @Override
        byte[] greeting() {
            return GREETING;
        }

        @Override
        boolean greeted(byte[] a, int off, int len) {
            return true; // the echo
        }

        @Override
        byte[] join(String room) {
            return null;
        }

        @Override
        boolean joined(byte[] a, int off, int len) {
            return true;
        }

        @Override
        String senderPath() {
            return BaselineServer.BROADCAST_PATH;
        }

        @Override
        String fanoutMessage(String room, long seq, long sentNanos, String pad) {
            // What Portcullis relays for the same message: from, seq and ts written by the sender instead.
            return "{\"type\":\"message\",\"room\":\"" + room + "\",\"from\":\"" + Bench.USER + "\",\"payload\":{\"t\":"
                    + sentNanos + ",\"p\":\"" + pad + "\"},\"seq\":" + seq + ",\"ts\":" + System.currentTimeMillis() + "}";
        }
    }
}
