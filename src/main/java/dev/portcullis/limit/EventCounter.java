package dev.portcullis.limit;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts events per key inside a sliding window: the {@code COUNT}-th event within {@code SECONDS} trips
 * the threshold (violations before a block, failed logins before a throttle). Memory per key is bounded
 * by {@code COUNT}; idle keys are forgotten by {@link #purgeIdle()}. Thread-safe.
 */
public final class EventCounter {
    private final RateSpec spec;
    private final Clock clock;
    /** Each key's event times, oldest first; each deque is guarded by itself. */
    private final ConcurrentHashMap<String, ArrayDeque<Long>> events = new ConcurrentHashMap<>();

    /** {@code spec} is a window ({@code COUNT:SECONDS}), or off: then nothing ever trips. */
    public EventCounter(RateSpec spec, Clock clock) {
        if (spec.kind() == RateSpec.Kind.BUCKET) {
            throw new IllegalArgumentException("an event threshold is COUNT:SECONDS, not a bucket");
        }
        this.spec = spec;
        this.clock = clock;
    }

    /** Records one event for {@code key}; true when the events in the window have reached the threshold. */
    public boolean record(String key) {
        if (spec.isOff()) {
            return false;
        }
        long now = clock.millis();
        ArrayDeque<Long> times = events.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            expire(times, now);
            times.addLast(now);
            if (times.size() > spec.count()) {
                times.pollFirst();
            }
            return times.size() >= spec.count();
        }
    }

    /** Whether {@code key} is at its threshold now, without recording anything. */
    public boolean reached(String key) {
        if (spec.isOff()) {
            return false;
        }
        ArrayDeque<Long> times = events.get(key);
        if (times == null) {
            return false;
        }
        synchronized (times) {
            expire(times, clock.millis());
            return times.size() >= spec.count();
        }
    }

    /** How many of {@code key}'s events are inside the window now (0 when off). */
    public int count(String key) {
        ArrayDeque<Long> times = spec.isOff() ? null : events.get(key);
        if (times == null) {
            return 0;
        }
        synchronized (times) {
            expire(times, clock.millis());
            return times.size();
        }
    }

    /** Milliseconds until {@code key} drops below its threshold (0 if it is below it). */
    public long millisUntilBelow(String key) {
        ArrayDeque<Long> times = spec.isOff() ? null : events.get(key);
        if (times == null) {
            return 0;
        }
        synchronized (times) {
            long now = clock.millis();
            expire(times, now);
            if (times.size() < spec.count()) {
                return 0;
            }
            return Math.max(1, times.peekFirst() + spec.window().toMillis() - now);
        }
    }

    /** Forgets {@code key}'s events, e.g. after a block has been imposed for them. */
    public void clear(String key) {
        events.remove(key);
    }

    public void purgeIdle() {
        long now = clock.millis();
        events.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                expire(e.getValue(), now);
                return e.getValue().isEmpty();
            }
        });
    }

    private void expire(ArrayDeque<Long> times, long now) {
        long start = now - spec.window().toMillis();
        while (!times.isEmpty() && times.peekFirst() <= start) {
            times.pollFirst();
        }
    }
}
