package dev.portcullis.testing;

import dev.portcullis.protocol.OutboundText;
import dev.portcullis.session.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A transport in memory for tests of the gate without sockets: it records what the server sends (sealed
 * text as sealed), the close it starts and whether it dropped the peer. {@link #full(boolean)} makes
 * every send fail as if the outbound limit were reached. Thread-safe: a test reads what the gate's
 * threads wrote.
 */
public final class RecordingConnection implements Connection {
    private final String ip;
    /** Guarded by this. */
    private final List<String> sent = new ArrayList<>();
    /** Guarded by this; "CODE reason", or "abort: why", or null while open. */
    private String closedWith;
    /** Guarded by this. */
    private int closes;
    /** Guarded by this. */
    private boolean authenticated;
    /** Guarded by this. */
    private Function<String, String> sealer;
    /** Guarded by this. */
    private boolean full;

    public RecordingConnection() {
        this("192.0.2.1");
    }

    public RecordingConnection(String ip) {
        this.ip = ip;
    }

    @Override
    public synchronized boolean send(OutboundText message) {
        if (full) {
            return false;
        }
        sent.add(sealer == null ? message.text() : sealer.apply(message.text()));
        return true;
    }

    @Override
    public synchronized boolean sendPlain(OutboundText message) {
        if (full) {
            return false;
        }
        sent.add(message.text());
        return true;
    }

    @Override
    public synchronized void close(int code, String reason) {
        closes++;
        if (closedWith == null) {
            closedWith = code + " " + reason;
        }
    }

    @Override
    public synchronized void abort(String why) {
        closes++;
        if (closedWith == null) {
            closedWith = "abort: " + why;
        }
    }

    @Override
    public String remoteAddress() {
        return ip + ":1000";
    }

    @Override
    public String clientIp() {
        return ip;
    }

    @Override
    public synchronized void authenticated() {
        authenticated = true;
    }

    @Override
    public synchronized void sealWith(Function<String, String> sealer) {
        this.sealer = sealer;
    }

    /** From now on every send fails (true) or succeeds (false). */
    public synchronized void full(boolean full) {
        this.full = full;
    }

    /** Every message sent so far, in order. */
    public synchronized List<String> sent() {
        return List.copyOf(sent);
    }

    /** The close the server started ("1008 Auth timeout", "abort: why"), or null while none. */
    public synchronized String closedWith() {
        return closedWith;
    }

    /** How many times the server asked to close or drop this connection. */
    public synchronized int closes() {
        return closes;
    }

    public synchronized boolean wasAuthenticated() {
        return authenticated;
    }
}
