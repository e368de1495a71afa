package dev.portcullis.websocket;

/**
 * How many pings and pongs a peer may send (protocol.md §10). Each ping makes the server queue a pong,
 * so an unbounded stream of them is free work and memory for an attacker: a peer that has not
 * authenticated gets a handful, an authenticated one a burst and a steady rate far above any keep-alive.
 * One per connection, used by its decoding thread only.
 */
final class ControlFrameLimit {
    /** Control frames allowed before auth: a keep-alive has no reason to run in the first seconds. */
    static final int BEFORE_AUTH = 5;
    /** Burst after auth; browsers send none, libraries one every 10 to 60 s. */
    static final int BURST = 20;
    /** Steady rate after auth. */
    static final int PER_SECOND = 2;

    /** Tokens left; decoding thread only. */
    private double tokens = BEFORE_AUTH;
    /** Whether the bucket refills (the peer authenticated); decoding thread only. */
    private boolean refilling;
    /** System.nanoTime() of the last refill; decoding thread only. */
    private long refilledNanos;

    /** Whether one more control frame is allowed at {@code nowNanos}; {@code authenticated} says from when it refills. */
    boolean allow(boolean authenticated, long nowNanos) {
        if (authenticated) {
            if (!refilling) {
                refilling = true;
                tokens = BURST;
                refilledNanos = nowNanos;
            }
            tokens = Math.min(BURST, tokens + (nowNanos - refilledNanos) / 1e9 * PER_SECOND);
            refilledNanos = nowNanos;
        }
        if (tokens < 1) {
            return false;
        }
        tokens--;
        return true;
    }
}
