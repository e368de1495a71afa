package dev.portcullis.gate;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.cluster.SharedState;
import dev.portcullis.config.AbuseConfig;
import dev.portcullis.limit.Blocklist;
import dev.portcullis.limit.EventCounter;
import dev.portcullis.limit.IpGuard;
import dev.portcullis.limit.RateSpec;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import dev.portcullis.session.SessionRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The abuse controls that act on users: the per-user message rate, violations that add up to a block, and
 * the blocks themselves, which close every connection of the user at once (protocol.md §12).
 */
public final class AbuseGuard {
    private final SharedState shared;
    private final EventCounter violations;
    private final SessionRegistry sessions;
    private final IpGuard ips;
    private final AbuseConfig config;
    private final AuditLog audit;
    private final Clock clock;
    private final Metrics metrics;
    private final SessionSteps steps;

    public AbuseGuard(AbuseConfig config, SharedState shared, SessionRegistry sessions, IpGuard ips,
                      AuditLog audit, Clock clock, Metrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.shared = shared;
        this.violations = new EventCounter(config.blockAfter() == 0 ? RateSpec.OFF
                : new RateSpec(RateSpec.Kind.WINDOW, config.blockAfter(), 0, config.blockWindow()), clock);
        this.sessions = sessions;
        this.ips = ips;
        this.audit = audit;
        this.clock = clock;
        this.steps = new SessionSteps(audit);
    }

    /**
     * Takes one message of the session's user, counted across the cluster: completes with 0 if it may pass,
     * else the milliseconds until one may.
     */
    public CompletableFuture<Long> admitMessage(Session session) {
        return shared.acquire(session.user()).thenApply(wait -> {
            if (wait > 0) {
                metrics.rateLimited();
                audit.rateLimited(session.id(), session.user(), session.connection().remoteAddress(), wait);
                violation(session.user(), "rate_limited");
            }
            return wait;
        });
    }

    /** Counts one violation; the {@code --block-after}-th within the window blocks the user. */
    public void violation(String user, String kind) {
        if (violations.record(user)) {
            violations.clear(user);
            Instant until = clock.instant().plus(config.blockDuration());
            String reason = "automatic: repeated " + kind;
            block(user, until, reason, "server").exceptionally(failure -> {
                // Not stored (the cluster is unreachable): the abuse still ends here, and the record says so.
                audit.userBlocked(user, "server", until, reason + " (not stored: shared state unavailable)");
                closeBlocked(user);
                return null;
            });
        }
    }

    /**
     * Blocks {@code user}; every connection of the user, on every instance, closes as the block becomes known
     * there (here at once). Completes with the block in force once it is stored.
     */
    public CompletableFuture<Blocklist.Block> block(String user, Instant until, String reason, String by) {
        metrics.blocked();
        return shared.block(user, until, reason).whenComplete((inForce, failure) -> {
            if (inForce != null) {
                // The block in force may be an earlier, longer one that stands: record that one.
                audit.userBlocked(user, by, inForce.until(), inForce.reason());
            }
        });
    }

    /** Closes every connection of {@code user} on this instance: the user was blocked here or elsewhere. */
    public void closeBlocked(String user) {
        steps.forEach(sessions.sessionsOf(user), "block", s -> {
            s.close(ConnectionState.Event.BLOCK, CloseReason.BLOCKED_FOR_ABUSE);
        });
    }

    public CompletableFuture<Boolean> unblock(String user, String by) {
        audit.userUnblocked(user, by);
        return shared.unblock(user);
    }

    /** The block on {@code user} in force now; throws BrokerUnavailableException when that cannot be known. */
    public Optional<Blocklist.Block> blocked(String user) {
        return shared.findBlock(user);
    }

    public List<Blocklist.Block> blocks() {
        return shared.blocks();
    }

    /** A failed auth from {@code ip}; enough of them ban the address. */
    public void authFailed(String ip) {
        if (ips.authFailed(ip)) {
            audit.ipBanned(ip, clock.instant().plus(config.ipBanDuration()));
        }
    }

    public void authenticated(Session session) {
        sessions.add(session);
    }

    public void closed(Session session) {
        sessions.remove(session);
    }

    /** Forgets idle rate and violation state; run periodically. */
    public void purgeIdle() {
        violations.purgeIdle();
        ips.purgeIdle();
    }
}
