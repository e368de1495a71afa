package dev.portcullis.websocket;

import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Set;

/**
 * Keeps Java-WebSocket 1.6.0's selected-key set from filling up with connections that were written to.
 *
 * <p>The library's selector loop removes a key from the selector's selected-key set after an accept or a
 * read, never after a write. A key left in that set keeps its ready set, so on every later pass of the
 * loop every connection written to since its last read is handled again as writable: an empty queue is
 * "written" and the key's interest set is reset. During a connection storm that was most of the server's
 * CPU (BENCHMARKS.md, "Where the time goes").
 *
 * <p>The set may only be touched on the selector thread, and not while the loop iterates over it. The one
 * call the library makes on that thread after its iteration is {@code WrappedByteChannel.readMore}, for
 * the channels that answered {@code isNeedRead()} with true after a read (meant for TLS, which can hold
 * decrypted bytes the socket no longer shows). So the first channel that reads data in a pass asks for
 * that call through {@link #claim}, and the call ({@link #afterPass}) empties the set. Nothing ready is
 * lost: the JDK's selectors report readiness level-triggered, so a key that is still ready is selected
 * again on the next {@code select}. Passes without any read leave the set as it is, until the next read.
 *
 * <p>Every method runs on the selector thread, so the state needs no synchronisation. Public for the
 * benchmark's bare baseline server, which takes part in the same sweep.
 */
public final class SelectedKeySweep {
    /** A read returned data in this pass and no channel has claimed the sweep yet. */
    private boolean armed;
    /** A channel was told it needs a further read: the library will call its {@code readMore} after the pass. */
    private boolean claimed;
    /** Selected keys removed so far; read by tests. */
    private volatile long removed;

    /** A channel read data (the library asks {@code isNeedRead()} next). */
    public void dataRead() {
        if (!claimed) {
            armed = true;
        }
    }

    /** Answers the library's {@code isNeedRead()} right after a read: true for one channel per pass. */
    public boolean claim() {
        if (armed && !claimed) {
            armed = false;
            claimed = true;
            return true;
        }
        return false;
    }

    /**
     * The library's {@code readMore} call, made after its pass over the selected keys: empties the set. A
     * TLS channel's own readMore may arrive here too, before the claiming one's; that one then finds the
     * sweep done, which is as good.
     */
    public void afterPass(Selector selector) {
        if (!claimed) {
            return;
        }
        claimed = false;
        if (selector.isOpen()) {
            Set<SelectionKey> selected = selector.selectedKeys();
            removed += selected.size();
            selected.clear();
        }
    }

    /** Keys removed from the selected-key set since the start. */
    long removed() {
        return removed;
    }
}
