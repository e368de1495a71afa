package dev.portcullis.gate;

import dev.portcullis.cluster.SecurityEventListener;

/**
 * Where a revocation or a block made anywhere in the cluster lands on this instance: the affected
 * connections held here are checked again or closed.
 */
public final class SecurityEvents implements SecurityEventListener {
    private final SessionLifecycle lifecycle;
    private final AbuseGuard abuse;

    public SecurityEvents(SessionLifecycle lifecycle, AbuseGuard abuse) {
        this.lifecycle = lifecycle;
        this.abuse = abuse;
    }

    @Override
    public void revoked(String user) {
        lifecycle.revoked(user);
    }

    @Override
    public void blocked(String user) {
        abuse.closeBlocked(user);
    }
}
