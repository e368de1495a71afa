package dev.portcullis.websocket;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Works around a lost wake-up in Java-WebSocket 1.6.0: after its selector thread drains a socket's queue
 * it sets the key back to read-only, and a frame queued by another thread in between is left behind with
 * nobody to write it until the socket's next send (seen as a reply that "never comes"). Every socket we
 * queue to is marked; a short periodic pass re-arms the write interest of any marked socket whose queue
 * is not empty but whose key no longer asks to write, and keeps it marked until its queue is empty.
 */
final class WriteNudger {
    /** How often the pass runs; the longest a frame can wait because of the race. */
    static final long PERIOD_MILLIS = 10;

    private final ConcurrentLinkedQueue<CountingSocketFactory.CountingSocket> marked = new ConcurrentLinkedQueue<>();
    private final Consumer<CountingSocketFactory.CountingSocket> rearm;

    /** {@code rearm} asks the selector to write the socket (the server's own write-demand hook). */
    WriteNudger(Consumer<CountingSocketFactory.CountingSocket> rearm) {
        this.rearm = rearm;
    }

    /** Called after queuing a frame to {@code socket}; cheap when it is already marked. */
    void queued(CountingSocketFactory.CountingSocket socket) {
        if (socket.nudgeMarked.compareAndSet(false, true)) {
            marked.add(socket);
        }
    }

    /** One pass over the marked sockets; runs on the scheduler. */
    void pass() {
        try {
            sweep();
        } catch (RuntimeException e) {
            // An exception would cancel the periodic task, and every later race would go unrepaired.
            LoggerFactory.getLogger(WriteNudger.class).error("write nudge pass failed", e);
        }
    }

    private void sweep() {
        for (int n = marked.size(); n > 0; n--) {
            CountingSocketFactory.CountingSocket socket = marked.poll();
            if (socket == null) {
                return;
            }
            socket.nudgeMarked.set(false);
            if (socket.isClosed() || socket.outQueue.isEmpty()) {
                continue;
            }
            SelectionKey key = socket.getSelectionKey();
            try {
                if (key != null && key.isValid() && (key.interestOps() & SelectionKey.OP_WRITE) == 0) {
                    rearm.accept(socket);
                }
            } catch (CancelledKeyException e) {
                continue;
            }
            queued(socket); // still has data: look again next pass
        }
    }
}
