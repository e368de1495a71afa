package dev.portcullis.server;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.config.AbuseConfig;
import dev.portcullis.limit.Blocklist;
import dev.portcullis.limit.EventCounter;
import dev.portcullis.limit.IpGuard;
import dev.portcullis.limit.RateLimiter;
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
    private final RateLimiter messages;
    private final EventCounter violations;
    private final Blocklist blocklist;
    private final SessionRegistry sessions;
    private final IpGuard ips;
    private final AbuseConfig config;
    private final AuditLog audit;
    private final Clock clock;
    private final Metrics metrics;

    public AbuseGuard(AbuseConfig config, Blocklist blocklist, SessionRegistry sessions, IpGuard ips,
                      AuditLog audit, Clock clock, Metrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.messages = new RateLimiter(config.rateLimit(), clock);
        this.violations = new EventCounter(config.blockAfter() == 0 ? RateSpec.OFF
                : new RateSpec(RateSpec.Kind.WINDOW, config.blockAfter(), 0, config.blockWindow()), clock);
        this.blocklist = blocklist;
        this.sessions = sessions;
        this.ips = ips;
        this.audit = audit;
        this.clock = clock;
    }

    /** Takes one message of the session's user: 0 if it may pass, else milliseconds until one may. */
    public long admitMessage(Session session) {
        long wait = messages.tryAcquire(session.user());
        if (wait > 0) {
            metrics.rateLimited();
            audit.rateLimited(session.id(), session.user(), session.connection().remoteAddress(), wait);
            violation(session.user(), "rate_limited");
        }
        return wait;
    }

    /** Counts one violation; the {@code --block-after}-th within the window blocks the user. */
    public void violation(String user, String kind) {
        if (violations.record(user)) {
            violations.clear(user);
            block(user, clock.instant().plus(config.blockDuration()), "automatic: repeated " + kind, "server");
        }
    }

    /** Blocks {@code user} and closes all of its connections now; the future completes once the block is on disk. */
    public CompletableFuture<Blocklist.Block> block(String user, Instant until, String reason, String by) {
        CompletableFuture<Blocklist.Block> stored = blocklist.block(user, until, reason);
        metrics.blocked();
        // The block in force may be an earlier, longer one that stands: record that one.
        Blocklist.Block inForce = blocklist.find(user).orElse(new Blocklist.Block(user, until, reason));
        audit.userBlocked(user, by, inForce.until(), inForce.reason());
        for (Session s : sessions.sessionsOf(user)) {
            if (s.transition(ConnectionState.AUTHENTICATED, ConnectionState.Event.BLOCK)) {
                s.connection().close(CloseReason.BLOCKED_FOR_ABUSE.code(), CloseReason.BLOCKED_FOR_ABUSE.reason());
            }
        }
        return stored;
    }

    public CompletableFuture<Boolean> unblock(String user, String by) {
        audit.userUnblocked(user, by);
        return blocklist.unblock(user);
    }

    public Optional<Blocklist.Block> blocked(String user) {
        return blocklist.find(user);
    }

    public List<Blocklist.Block> blocks() {
        return blocklist.list();
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
        messages.purgeIdle();
        violations.purgeIdle();
        ips.purgeIdle();
    }
}
