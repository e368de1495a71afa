package dev.portcullis.server;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the connection caps within what the process's open-file limit allows. Java-WebSocket 1.6.0 answers
 * a failed accept (too many open files) by closing its listening socket for good, so caps the descriptors
 * cannot honour would let a connection flood end the listener instead of meeting 503 or the pending cap.
 * Every accepted socket holds a descriptor: at most {@code --max-connections} that passed the door, and
 * {@code --max-pending-connections} more still in their upgrade.
 */
final class OpenFileLimit {
    private static final Logger log = LoggerFactory.getLogger(OpenFileLimit.class);
    /** Descriptors kept for all but WebSocket connections: the JVM's jars, HTTP clients, the audit log, Redis. */
    static final int RESERVED = 256;
    /** What a process with a tiny limit may still serve, so it starts and says why it serves so few. */
    private static final int FLOOR = 20;
    /** When the caps must shrink, the pending cap gets this share of the room, as its {@code auto} does. */
    private static final int PENDING_SHARE = 5;

    /** The open and pending connection caps in force; 0 is no cap. */
    record Caps(int connections, int pending) {
    }

    private OpenFileLimit() {
    }

    /** {@code connections} and {@code pending} (0: no cap), lowered to what {@code maxFiles} allow; -1 is unknown. */
    static Caps caps(int connections, int pending, long maxFiles) {
        if (maxFiles <= 0) {
            return new Caps(connections, pending);
        }
        long room = Math.max(FLOOR, maxFiles - RESERVED);
        if (connections > 0 && pending > 0 && (long) connections + pending <= room) {
            return new Caps(connections, pending);
        }
        int p = (int) Math.min(room / PENDING_SHARE, pending > 0 ? pending : Integer.MAX_VALUE);
        int c = (int) Math.min(room - p, connections > 0 ? connections : Integer.MAX_VALUE);
        log.warn("--max-connections {} and --max-pending-connections {} need more open files than this process may"
                        + " have ({}): capped at {} and {}. Raise the limit (ulimit -n, systemd LimitNOFILE=) to serve more.",
                connections == 0 ? "off" : connections, pending == 0 ? "off" : pending, maxFiles, c, p);
        return new Caps(c, p);
    }

    /** This process's open-file limit, or -1 where the platform does not say. */
    static long maxFiles() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : -1;
    }
}
