package dev.portcullis.limit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-address protections at the door: a connection rate, a cap on connections still waiting to
 * authenticate (half-finished handshakes included), and a ban after repeated auth failures. Each counts
 * an address as its network ({@link AddressPrefix}): callers pass full addresses.
 */
public final class IpGuard {
    /** Why a new connection from an address is refused, if it is. */
    public enum Refusal { NONE, BANNED, RATE_LIMITED, TOO_MANY_PENDING }

    private final RateLimiter connectRate;
    private final int maxPending;
    private final EventCounter authFailures;
    private final Duration banDuration;
    private final AddressPrefix prefix;
    private final Clock clock;
    /** Keyed, like the counts below, by {@link AddressPrefix#keyOf}. */
    private final ConcurrentHashMap<String, Instant> bans = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> pending = new ConcurrentHashMap<>();

    /** {@code maxPending} 0 means no cap. */
    public IpGuard(RateSpec connectRate, int maxPending, RateSpec authFailures, Duration banDuration,
                   AddressPrefix prefix, Clock clock) {
        this.prefix = prefix;
        this.connectRate = new RateLimiter(connectRate, clock);
        this.maxPending = maxPending;
        this.authFailures = new EventCounter(authFailures, clock);
        this.banDuration = banDuration;
        this.clock = clock;
    }

    /** Decides on a new connection from {@code ip}; an admitted one counts against the connect rate. */
    public Refusal admit(String ip) {
        if (isBanned(ip)) {
            return Refusal.BANNED;
        }
        if (maxPending > 0 && pendingCount(ip) > maxPending) {
            return Refusal.TOO_MANY_PENDING;
        }
        return connectRate.tryAcquire(prefix.keyOf(ip)) > 0 ? Refusal.RATE_LIMITED : Refusal.NONE;
    }

    public boolean isBanned(String ip) {
        String key = prefix.keyOf(ip);
        Instant until = bans.get(key);
        if (until != null && !until.isAfter(clock.instant())) {
            bans.remove(key, until);
            return false;
        }
        return until != null;
    }

    /** A connection from {@code ip} started waiting to authenticate (from its TCP accept). */
    public void pendingStarted(String ip) {
        pending.computeIfAbsent(prefix.keyOf(ip), k -> new AtomicInteger()).incrementAndGet();
    }

    /** It authenticated or went away. */
    public void pendingEnded(String ip) {
        pending.computeIfPresent(prefix.keyOf(ip), (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    public int pendingCount(String ip) {
        AtomicInteger n = pending.get(prefix.keyOf(ip));
        return n == null ? 0 : n.get();
    }

    /** Records a failed auth from {@code ip}; true when this failure bans the address's network. */
    public boolean authFailed(String ip) {
        String key = prefix.keyOf(ip);
        if (authFailures.record(key)) {
            bans.put(key, clock.instant().plus(banDuration));
            authFailures.clear(key);
            return true;
        }
        return false;
    }

    public void purgeIdle() {
        connectRate.purgeIdle();
        authFailures.purgeIdle();
        Instant now = clock.instant();
        bans.values().removeIf(until -> !until.isAfter(now));
    }
}
