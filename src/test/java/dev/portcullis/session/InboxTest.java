package dev.portcullis.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A connection's messages are handled one at a time, in order, even when a step waits (protocol.md §2, §11.2). */
@DisplayName("Inbox")
class InboxTest {

    @Test
    @DisplayName("§2: a step that waits holds back the later ones, which then run in arrival order")
    void laterStepsWaitForEarlierOnes() {
        Inbox inbox = new Inbox(8);
        List<String> ran = new ArrayList<>();
        CompletableFuture<Void> slow = new CompletableFuture<>();
        inbox.submit(() -> {
            ran.add("1");
            return slow;
        });
        inbox.submit(() -> {
            ran.add("2");
            return CompletableFuture.completedFuture(null);
        });
        inbox.submit(() -> {
            ran.add("3");
            return CompletableFuture.completedFuture(null);
        });
        assertEquals(List.of("1"), ran);
        assertEquals(3, inbox.pending());
        slow.complete(null);
        assertEquals(List.of("1", "2", "3"), ran);
        assertEquals(0, inbox.pending());
    }

    @Test
    @DisplayName("§10: the messages waiting may hold at most the inbox's bytes, but one always may wait, however big")
    void boundedInBytes() {
        Inbox inbox = new Inbox(256, 1000);
        CompletableFuture<Void> slow = new CompletableFuture<>();
        assertTrue(inbox.submit(5000, () -> slow), "one message is taken whatever its size");
        assertFalse(inbox.submit(10, () -> CompletableFuture.completedFuture(null)));
        slow.complete(null);
        assertEquals(0, inbox.pendingBytes());
        CompletableFuture<Void> again = new CompletableFuture<>();
        assertTrue(inbox.submit(600, () -> again));
        assertTrue(inbox.submit(400, () -> CompletableFuture.completedFuture(null)));
        assertFalse(inbox.submit(1, () -> CompletableFuture.completedFuture(null)));
        assertEquals(1000, inbox.pendingBytes());
        again.complete(null);
        assertEquals(0, inbox.pendingBytes());
    }

    @Test
    @DisplayName("With nothing waiting a step runs at once, on the caller's thread")
    void runsInlineWhenIdle() {
        Inbox inbox = new Inbox(1);
        Thread[] on = new Thread[1];
        assertTrue(inbox.submit(() -> {
            on[0] = Thread.currentThread();
            return CompletableFuture.completedFuture(null);
        }));
        assertEquals(Thread.currentThread(), on[0]);
    }

    @Test
    @DisplayName("§5 broker_unavailable: past its capacity the inbox refuses a step, and takes steps again once it drains")
    void boundedWhileWaiting() {
        Inbox inbox = new Inbox(2);
        CompletableFuture<Void> slow = new CompletableFuture<>();
        assertTrue(inbox.submit(() -> slow));
        assertTrue(inbox.submit(() -> CompletableFuture.completedFuture(null)));
        assertFalse(inbox.submit(() -> CompletableFuture.completedFuture(null)));
        slow.complete(null);
        assertTrue(inbox.submit(() -> CompletableFuture.completedFuture(null)));
    }

    @Test
    @DisplayName("A step that throws or fails does not stop the steps after it")
    void failuresDoNotStopTheLine() {
        Inbox inbox = new Inbox(4);
        List<String> ran = new ArrayList<>();
        inbox.submit(() -> {
            throw new IllegalStateException("boom");
        });
        inbox.submit(() -> CompletableFuture.failedFuture(new IllegalStateException("failed")));
        inbox.submit(() -> {
            ran.add("after");
            return CompletableFuture.completedFuture(null);
        });
        assertEquals(List.of("after"), ran);
        assertEquals(0, inbox.pending());
    }
}
