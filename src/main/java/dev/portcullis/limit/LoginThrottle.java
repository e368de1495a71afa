package dev.portcullis.limit;

import java.time.Clock;

/**
 * Slows password guessing on {@code POST /auth/login}: failed attempts are counted per client address
 * and per username. An address over its limit waits; a username over its limit waits only at addresses
 * that themselves failed for it, so a flood against one account cannot lock its owner out from another
 * address. Successful logins are never counted.
 */
public final class LoginThrottle {
    private final EventCounter perIp;
    private final EventCounter perUser;
    /** Which addresses failed for which user, within the per-user window. */
    private final EventCounter userAtIp;

    public LoginThrottle(RateSpec perUser, RateSpec perIp, Clock clock) {
        this.perIp = new EventCounter(perIp, clock);
        this.perUser = new EventCounter(perUser, clock);
        this.userAtIp = new EventCounter(perUser.isOff() ? RateSpec.OFF
                : new RateSpec(RateSpec.Kind.WINDOW, 1, 0, perUser.window()), clock);
    }

    /** 0 if {@code user} may try from {@code ip} now, otherwise how many milliseconds to wait. */
    public long retryAfterMillis(String user, String ip) {
        long wait = perIp.millisUntilBelow(ip);
        if (perUser.reached(user) && userAtIp.reached(user + "\u0000" + ip)) {
            wait = Math.max(wait, perUser.millisUntilBelow(user));
        }
        return wait;
    }

    public void failed(String user, String ip) {
        perIp.record(ip);
        perUser.record(user);
        userAtIp.record(user + "\u0000" + ip);
    }

    public void purgeIdle() {
        perIp.purgeIdle();
        perUser.purgeIdle();
        userAtIp.purgeIdle();
    }
}
