package dev.portcullis.limit;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Slows password guessing on {@code POST /auth/login}: failed attempts are counted per client address
 * and per username. An address over its limit waits; a username over its limit waits only at addresses
 * that themselves tried it, so a flood against one account cannot lock its owner out from another
 * address. An attempt counts from the moment it starts, as if it were going to fail, so concurrent guesses
 * buy nothing; once its outcome is known it becomes a failure or, when it succeeded, nothing.
 */
public final class LoginThrottle {
    /**
     * Retry-After for a refusal due only to attempts still in progress: they settle within a bcrypt's time,
     * and the answer after that says how long a real wait is.
     */
    static final long IN_FLIGHT_RETRY_MILLIS = 1000;

    private final RateSpec perIpSpec;
    private final RateSpec perUserSpec;
    private final EventCounter perIp;
    private final EventCounter perUser;
    /** Which addresses failed for which user, within the per-user window. */
    private final EventCounter userAtIp;
    /**
     * Attempts started and not yet settled, by address, by username and by the pair (three maps: a username
     * may look like an address); a key is removed at zero. Guarded by this, as is every check-then-count, so
     * two attempts cannot both take the last place.
     */
    private final Map<String, Integer> inFlightByIp = new HashMap<>();
    private final Map<String, Integer> inFlightByUser = new HashMap<>();
    private final Map<String, Integer> inFlightByPair = new HashMap<>();

    public LoginThrottle(RateSpec perUser, RateSpec perIp, Clock clock) {
        this.perIpSpec = perIp;
        this.perUserSpec = perUser;
        this.perIp = new EventCounter(perIp, clock);
        this.perUser = new EventCounter(perUser, clock);
        this.userAtIp = new EventCounter(perUser.isOff() ? RateSpec.OFF
                : new RateSpec(RateSpec.Kind.WINDOW, 1, 0, perUser.window()), clock);
    }

    /** An attempt that passed the throttle and counts against it until {@link Attempt#settle} is called once. */
    public final class Attempt {
        private final String user;
        private final String ip;
        private final AtomicBoolean settled = new AtomicBoolean();

        private Attempt(String user, String ip) {
            this.user = user;
            this.ip = ip;
        }

        /** The outcome is known: {@code failed} (a wrong password) counts; a success, or no check at all, does not. */
        public void settle(boolean failed) {
            if (settled.compareAndSet(false, true)) {
                finished(this, failed);
            }
        }
    }

    /** Either an attempt that may go on, or how long to wait (nothing was counted then). */
    public record Decision(Attempt attempt, long retryAfterMillis) {
        public boolean allowed() {
            return attempt != null;
        }
    }

    /** Starts an attempt for {@code user} from {@code ip}, or refuses it with the wait. */
    public synchronized Decision begin(String user, String ip) {
        long wait = 0;
        if (!perIpSpec.isOff() && perIp.count(ip) + inFlightByIp.getOrDefault(ip, 0) >= perIpSpec.count()) {
            wait = waitFor(perIp, ip);
        }
        String pair = pair(user, ip);
        boolean triedHere = userAtIp.reached(pair) || inFlightByPair.containsKey(pair);
        if (!perUserSpec.isOff() && triedHere
                && perUser.count(user) + inFlightByUser.getOrDefault(user, 0) >= perUserSpec.count()) {
            wait = Math.max(wait, waitFor(perUser, user));
        }
        if (wait > 0) {
            return new Decision(null, wait);
        }
        inFlightByIp.merge(ip, 1, Integer::sum);
        inFlightByUser.merge(user, 1, Integer::sum);
        inFlightByPair.merge(pair, 1, Integer::sum);
        return new Decision(new Attempt(user, ip), 0);
    }

    private synchronized void finished(Attempt attempt, boolean failed) {
        String pair = pair(attempt.user, attempt.ip);
        inFlightByIp.computeIfPresent(attempt.ip, LoginThrottle::lessOne);
        inFlightByUser.computeIfPresent(attempt.user, LoginThrottle::lessOne);
        inFlightByPair.computeIfPresent(pair, LoginThrottle::lessOne);
        if (failed) {
            perIp.record(attempt.ip);
            perUser.record(attempt.user);
            userAtIp.record(pair);
        }
    }

    /** The failures' own wait once they alone reach the limit, else the short wait for attempts in flight. */
    private static long waitFor(EventCounter failures, String key) {
        long wait = failures.millisUntilBelow(key);
        return wait > 0 ? wait : IN_FLIGHT_RETRY_MILLIS;
    }

    private static Integer lessOne(String key, Integer n) {
        return n == 1 ? null : n - 1;
    }

    private static String pair(String user, String ip) {
        return user + "\u0000" + ip;
    }

    public void purgeIdle() {
        perIp.purgeIdle();
        perUser.purgeIdle();
        userAtIp.purgeIdle();
    }
}
