package dev.portcullis.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The limiters on a test clock: protocol.md §12. */
class LimitTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

    @Test
    @DisplayName("§12.1: a token bucket admits its capacity at once, then one per refill period, per key")
    void bucket() {
        RateLimiter limiter = new RateLimiter(RateSpec.parse("bucket:3:2"), clock);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, limiter.tryAcquire("alice"));
        }
        assertEquals(500, limiter.tryAcquire("alice"));
        assertEquals(0, limiter.tryAcquire("bob"), "keys are independent");
        clock.advance(Duration.ofMillis(499));
        assertEquals(1, limiter.tryAcquire("alice"));
        clock.advance(Duration.ofMillis(1));
        assertEquals(0, limiter.tryAcquire("alice"));
        clock.advance(Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {
            assertEquals(0, limiter.tryAcquire("alice"), "refills up to the capacity, never beyond");
        }
        assertTrue(limiter.tryAcquire("alice") > 0);
    }

    @Test
    @DisplayName("§12.1: a sliding window admits COUNT per window and says when the oldest leaves it")
    void window() {
        RateLimiter limiter = new RateLimiter(RateSpec.parse("window:2:60"), clock);
        assertEquals(0, limiter.tryAcquire("k"));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(0, limiter.tryAcquire("k"));
        assertEquals(50_000, limiter.tryAcquire("k"));
        clock.advance(Duration.ofSeconds(50));
        assertEquals(0, limiter.tryAcquire("k"));
        assertEquals(10_000, limiter.tryAcquire("k"));
    }

    @Test
    @DisplayName("§12: off admits everything, and idle keys are forgotten")
    void offAndPurge() {
        RateLimiter off = new RateLimiter(RateSpec.parse("off"), clock);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, off.tryAcquire("k"));
        }
        RateLimiter limiter = new RateLimiter(RateSpec.parse("bucket:5:1"), clock);
        for (int i = 0; i < 100; i++) {
            limiter.tryAcquire("key-" + i);
        }
        assertEquals(100, limiter.size());
        clock.advance(Duration.ofSeconds(6));
        limiter.purgeIdle();
        assertEquals(0, limiter.size());
    }

    @Test
    @DisplayName("§12: specs parse, print back, and bad ones are refused")
    void specs() {
        assertEquals("bucket:50:10", RateSpec.parse("bucket:50:10").toString());
        assertEquals("window:10:60", RateSpec.parse("window:10:60").toString());
        assertEquals("window:5:60", RateSpec.parseCount("5:60").toString());
        assertTrue(RateSpec.parseCount("off").isOff());
        for (String bad : List.of("bucket:0:1", "bucket:1:0", "window:1:0", "bucket:1", "token:1:1", "5:60", "")) {
            assertThrows(IllegalArgumentException.class, () -> RateSpec.parse(bad), bad);
        }
    }

    @Test
    @DisplayName("§12.2: the COUNT-th event within the window trips the counter; older ones fall out")
    void eventCounter() {
        EventCounter counter = new EventCounter(RateSpec.parseCount("3:60"), clock);
        assertFalse(counter.record("u"));
        assertFalse(counter.record("u"));
        clock.advance(Duration.ofSeconds(61));
        assertFalse(counter.record("u"), "the first two left the window");
        assertFalse(counter.record("u"));
        assertTrue(counter.record("u"));
        assertTrue(counter.reached("u"));
        assertEquals(60_000, counter.millisUntilBelow("u"));
    }

    /** Starts an attempt and settles it at once: 0 if it was let through, else the wait. */
    private static long attempt(LoginThrottle throttle, String user, String ip, boolean fails) {
        LoginThrottle.Decision d = throttle.begin(user, ip);
        if (d.allowed()) {
            d.attempt().settle(fails);
        }
        return d.retryAfterMillis();
    }

    @Test
    @DisplayName("§12.5: login throttling by address, and by username only at the addresses that failed")
    void loginThrottle() {
        LoginThrottle throttle = new LoginThrottle(RateSpec.parseCount("3:60"), RateSpec.parseCount("5:60"), clock);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, attempt(throttle, "alice", "10.0.0.1", true));
        }
        assertEquals(60_000, attempt(throttle, "alice", "10.0.0.1", false), "the guessing address waits");
        assertEquals(0, attempt(throttle, "alice", "10.0.0.2", false), "the owner elsewhere does not");
        assertEquals(0, attempt(throttle, "bob", "10.0.0.1", true), "other users from that address do not yet");
        assertEquals(0, attempt(throttle, "carol", "10.0.0.1", true));
        assertTrue(attempt(throttle, "dave", "10.0.0.1", false) > 0, "five failures from one address throttle it");
        clock.advance(Duration.ofSeconds(61));
        assertEquals(0, attempt(throttle, "alice", "10.0.0.1", false));
    }

    @Test
    @DisplayName("§12.5: attempts count from their start, so concurrent guesses get no more than the limit")
    void inFlightAttemptsCount() {
        LoginThrottle throttle = new LoginThrottle(RateSpec.parseCount("3:60"), RateSpec.parseCount("5:60"), clock);
        List<LoginThrottle.Attempt> running = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            running.add(throttle.begin("alice", "10.0.0.1").attempt());
        }
        LoginThrottle.Decision fourth = throttle.begin("alice", "10.0.0.1");
        assertFalse(fourth.allowed(), "three running attempts fill the per-user limit at this address");
        assertEquals(LoginThrottle.IN_FLIGHT_RETRY_MILLIS, fourth.retryAfterMillis(), "none has failed yet");
        LoginThrottle.Decision owner = throttle.begin("alice", "10.0.0.2");
        assertTrue(owner.allowed(), "the owner elsewhere is not held up");
        running.add(owner.attempt());
        running.add(throttle.begin("bob", "10.0.0.1").attempt());
        running.add(throttle.begin("bob", "10.0.0.1").attempt());
        assertFalse(throttle.begin("carol", "10.0.0.1").allowed(), "five running attempts fill the address's limit");

        running.forEach(a -> a.settle(false));
        running.get(0).settle(true);
        assertTrue(throttle.begin("carol", "10.0.0.1").allowed(), "successes leave nothing behind, and a second settle is ignored");
    }

    @Test
    @DisplayName("§12.4: X-Forwarded-For counts only from trusted proxies, and only its rightmost untrusted hop")
    void forwardedFor() {
        ForwardedFor ff = new ForwardedFor(List.of("10.0.0.9", "10.0.0.8"));
        assertEquals("203.0.113.7", ff.clientAddress("10.0.0.9", "1.2.3.4, 203.0.113.7, 10.0.0.8"));
        assertEquals("198.51.100.1", ff.clientAddress("198.51.100.1", "1.2.3.4"), "an untrusted peer cannot claim an address");
        assertEquals("10.0.0.9", ff.clientAddress("10.0.0.9", null));
    }
}
