package dev.portcullis.server;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the connection caps within what the process's open-file limit allows. Java-WebSocket 1.6.0 answers
 * a failed accept (too many open files) by closing its listening socket for good, so caps the descriptors
 * cannot honour would let a connection flood, on either port, end the WebSocket listener instead of
 * meeting 503 or the pending cap. Every accepted socket holds a descriptor: at most
 * {@code --max-connections} WebSocket connections that passed the door, {@code --max-pending-connections}
 * more still in their upgrade, and {@code --http-max-connections} on the HTTP API.
 */
final class OpenFileLimit {
    private static final Logger log = LoggerFactory.getLogger(OpenFileLimit.class);
    /** Descriptors kept for everything but client connections: the JVM's jars, the audit log, Redis, TLS. */
    static final int RESERVED = 256;
    /** What a process with a tiny limit may still serve, so it starts and says why it serves so few. */
    private static final int FLOOR = 30;
    /** When the caps must shrink, the pending cap gets a fifth of the room, as its {@code auto} does... */
    private static final int PENDING_SHARE = 5;
    /** ...and the HTTP API a tenth. */
    private static final int HTTP_SHARE = 10;

    /** The open, pending and HTTP connection caps in force; 0 is no cap (never for HTTP). */
    record Caps(int connections, int pending, int http) {
    }

    private OpenFileLimit() {
    }

    /** The caps asked for (0: none), lowered to what {@code maxFiles} descriptors allow; -1 means unknown. */
    static Caps caps(int connections, int pending, int http, long maxFiles) {
        if (maxFiles <= 0) {
            return new Caps(connections, pending, http);
        }
        long room = Math.max(FLOOR, maxFiles - RESERVED);
        if (connections > 0 && pending > 0 && (long) connections + pending + http <= room) {
            return new Caps(connections, pending, http);
        }
        int h = (int) Math.min(Math.max(1, room / HTTP_SHARE), http);
        int p = (int) Math.min(Math.max(1, room / PENDING_SHARE), pending > 0 ? pending : Integer.MAX_VALUE);
        int c = (int) Math.min(Math.max(1, room - p - h), connections > 0 ? connections : Integer.MAX_VALUE);
        log.warn("--max-connections {}, --max-pending-connections {} and --http-max-connections {} need more open"
                        + " files than this process may have ({}): capped at {}, {} and {}. Raise the limit (ulimit -n,"
                        + " systemd LimitNOFILE=) to serve more.", connections == 0 ? "off" : connections,
                pending == 0 ? "off" : pending, http, maxFiles, c, p, h);
        return new Caps(c, p, h);
    }

    /** This process's open-file limit, or -1 where the platform does not say. */
    static long maxFiles() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : -1;
    }
}
