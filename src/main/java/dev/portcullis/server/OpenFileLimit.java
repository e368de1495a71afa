package dev.portcullis.server;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code --max-connections} within what the process's open-file limit allows. Java-WebSocket 1.6.0
 * answers a failed accept (too many open files) by closing its listening socket for good, so a cap the
 * descriptors cannot honour would let a connection flood end the listener instead of meeting the 503.
 */
final class OpenFileLimit {
    private static final Logger log = LoggerFactory.getLogger(OpenFileLimit.class);
    /** Descriptors kept for all but WebSocket connections: the JVM's jars, HTTP clients, the audit log, Redis. */
    static final int RESERVED = 256;
    /** What a process with a tiny limit may still serve, so it starts and says why it serves so few. */
    private static final int FLOOR = 16;

    private OpenFileLimit() {
    }

    /** {@code configured} (0: no cap), lowered to what {@code maxFiles} descriptors allow; -1 means unknown. */
    static int connectionCap(int configured, long maxFiles) {
        if (maxFiles <= 0) {
            return configured;
        }
        int room = (int) Math.max(FLOOR, Math.min(Integer.MAX_VALUE, maxFiles - RESERVED));
        if (configured > 0 && configured <= room) {
            return configured;
        }
        log.warn("--max-connections {} needs more open files than this process may have ({}): capped at {}."
                        + " Raise the limit (ulimit -n, systemd LimitNOFILE=) to serve more.",
                configured == 0 ? "off" : configured, maxFiles, room);
        return room;
    }

    /** This process's open-file limit, or -1 where the platform does not say. */
    static long maxFiles() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : -1;
    }
}
