package dev.portcullis.limit;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-key rate limiting with a token bucket or a sliding window, on an injected clock. Keys are users or
 * client addresses; idle keys are forgotten by {@link #purgeIdle()}, so memory follows active keys only.
 * Thread-safe: each key's state is guarded by its own monitor.
 */
public final class RateLimiter {
    private final RateSpec spec;
    private final Clock clock;
    private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

    /** One key's state; which fields are used depends on the algorithm. Guarded by itself. */
    private static final class State {
        double tokens;
        long lastMillis;
        final ArrayDeque<Long> events = new ArrayDeque<>();
    }

    public RateLimiter(RateSpec spec, Clock clock) {
        this.spec = spec;
        this.clock = clock;
    }

    /** Takes one unit for {@code key}: 0 if allowed, otherwise the milliseconds until one would be. */
    public long tryAcquire(String key) {
        if (spec.isOff()) {
            return 0;
        }
        long now = clock.millis();
        State s = states.computeIfAbsent(key, k -> {
            State fresh = new State();
            fresh.tokens = spec.count();
            fresh.lastMillis = now;
            return fresh;
        });
        synchronized (s) {
            return spec.kind() == RateSpec.Kind.BUCKET ? bucket(s, now) : window(s, now);
        }
    }

    private long bucket(State s, long now) {
        double refill = Math.max(0, now - s.lastMillis) * spec.perSecond() / 1000.0;
        s.tokens = Math.min(spec.count(), s.tokens + refill);
        s.lastMillis = now;
        if (s.tokens >= 1) {
            s.tokens -= 1;
            return 0;
        }
        // The epsilon keeps float noise from adding a millisecond to an exact answer.
        return Math.max(1, (long) Math.ceil((1 - s.tokens) * 1000.0 / spec.perSecond() - 1e-6));
    }

    private long window(State s, long now) {
        long start = now - spec.window().toMillis();
        while (!s.events.isEmpty() && s.events.peekFirst() <= start) {
            s.events.pollFirst();
        }
        s.lastMillis = now;
        if (s.events.size() < spec.count()) {
            s.events.addLast(now);
            return 0;
        }
        return Math.max(1, s.events.peekFirst() + spec.window().toMillis() - now);
    }

    /** Forgets keys that have been idle long enough to be back at their full allowance. */
    public void purgeIdle() {
        long now = clock.millis();
        long idle = spec.kind() == RateSpec.Kind.BUCKET
                ? (long) Math.ceil(spec.count() * 1000.0 / spec.perSecond()) : spec.window().toMillis();
        states.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return now - e.getValue().lastMillis > idle;
            }
        });
    }

    /** Keys currently tracked, for tests of the memory bound. */
    public int size() {
        return states.size();
    }

    public RateSpec spec() {
        return spec;
    }
}
