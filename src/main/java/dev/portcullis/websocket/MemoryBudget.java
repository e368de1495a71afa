package dev.portcullis.websocket;

import dev.portcullis.metrics.Metrics;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.java_websocket.WebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one budget for what all peers together make the server hold (protocol.md §10): frames queued for them,
 * fragments being reassembled and messages waiting to be handled, each already bounded per connection. Ten
 * thousand connections at their own limits would still be ten gigabytes, so a pass adds them up, and past
 * the budget it sheds the heaviest connections until what stays is under it: an open one is closed with
 * 1013 and dropped if it does not take its close frame at once, one already closing is dropped at once;
 * dropping frees its queue. Adding up ten thousand connections costs a millisecond, so the pass runs often
 * only when it matters: every {@link #PERIOD_MILLIS} once the last count plus what was queued or read since
 * reaches a quarter of the budget, at once when it may pass the budget, and every {@link #IDLE_PERIOD_MILLIS}
 * otherwise.
 */
final class MemoryBudget {
    private static final Logger log = LoggerFactory.getLogger(MemoryBudget.class);
    /** How often the pass may run: well within what any one peer can add in the meantime (its own limit). */
    static final long PERIOD_MILLIS = 100;
    /** How often it runs while far below the budget. */
    static final long IDLE_PERIOD_MILLIS = 1000;
    /** Below this share of the budget the pass runs only every {@link #IDLE_PERIOD_MILLIS}. */
    private static final int CLOSE_SHARE = 4;
    /** How long a shed peer has to take its close frame before TCP is dropped and its memory freed. */
    private static final long SHED_GRACE_MILLIS = 500;

    private final long budget;
    private final Supplier<? extends Collection<WebSocket>> sockets;
    private final ScheduledExecutorService scheduler;
    private final Metrics metrics;
    /** What the last pass counted; written by the pass, read by senders. */
    private volatile long counted;
    /** System.nanoTime() of the last pass; scheduler thread only. */
    private long passedNanos = System.nanoTime();
    /** Bytes queued or read by any thread since the last pass began: an upper bound of what was added. */
    private final AtomicLong sinceCount = new AtomicLong();
    /** Whether a pass is already asked for ahead of its period. */
    private final AtomicBoolean passRequested = new AtomicBoolean();

    MemoryBudget(long budget, Supplier<? extends Collection<WebSocket>> sockets,
                 ScheduledExecutorService scheduler, Metrics metrics) {
        this.budget = budget;
        this.sockets = sockets;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /**
     * Some thread queued or read {@code bytes} for a peer: if that may take all peers past the budget, the pass
     * runs now rather than at its next period, before a burst of many peers at once can add much more.
     */
    void added(long bytes) {
        if (counted + sinceCount.addAndGet(bytes) > budget && passRequested.compareAndSet(false, true)) {
            scheduler.execute(this::pass);
        }
    }

    /** Every {@link #PERIOD_MILLIS} on the scheduler: a pass if one is due. */
    void tick() {
        boolean close = counted + sinceCount.get() >= budget / CLOSE_SHARE;
        if (close || System.nanoTime() - passedNanos >= TimeUnit.MILLISECONDS.toNanos(IDLE_PERIOD_MILLIS)) {
            pass();
        }
    }

    /** One pass over every socket; runs on the scheduler. */
    void pass() {
        passedNanos = System.nanoTime();
        sinceCount.set(0);
        passRequested.set(false);
        long total = 0;
        for (WebSocket socket : sockets.get()) {
            total += ((CountingSocketFactory.CountingSocket) socket).heldBytes();
        }
        counted = total;
        metrics.peerMemory(total, budget);
        if (total > budget) {
            shedDown(total);
        }
    }

    /** Sheds the heaviest connections until what the others hold is within the budget. */
    private void shedDown(long total) {
        List<Heavy> holding = new ArrayList<>();
        for (WebSocket socket : sockets.get()) {
            var counting = (CountingSocketFactory.CountingSocket) socket;
            long bytes = counting.heldBytes();
            if (bytes > 0) {
                holding.add(new Heavy(counting, bytes));
            }
        }
        holding.sort(Comparator.comparingLong(Heavy::bytes).reversed());
        long excess = total - budget;
        int shed = 0;
        for (Heavy heavy : holding) {
            if (excess <= 0) {
                break;
            }
            if (heavy.socket().isOpen()) {
                shed(heavy.socket());
                metrics.shed();
                shed++;
            } else {
                // Closing already (a slow consumer, say) but still holding its queue until the close timeout:
                // under pressure, drop it now.
                heavy.socket().closeConnection(CloseReason.OVERLOADED.code(), CloseReason.OVERLOADED.reason());
            }
            excess -= heavy.bytes();
        }
        log.warn("memory budget of {} bytes exceeded ({} held by peers): shed {} connections with 1013", budget,
                total, shed);
    }

    private void shed(CountingSocketFactory.CountingSocket socket) {
        Session session = socket.getAttachment();
        if (session != null) {
            session.close(ConnectionState.Event.SERVER_CLOSE, CloseReason.OVERLOADED);
        } else {
            socket.close(CloseReason.OVERLOADED.code(), CloseReason.OVERLOADED.reason());
        }
        scheduler.schedule(() -> {
            if (!socket.isClosed()) {
                socket.closeConnection(CloseReason.OVERLOADED.code(), CloseReason.OVERLOADED.reason());
            }
        }, SHED_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private record Heavy(CountingSocketFactory.CountingSocket socket, long bytes) {
    }
}
