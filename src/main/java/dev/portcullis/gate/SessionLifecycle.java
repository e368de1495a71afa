package dev.portcullis.gate;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.cluster.BrokerUnavailableException;
import dev.portcullis.cluster.SharedState;
import dev.portcullis.auth.TokenRejectedException;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.platform.Scheduler;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.ErrorCode;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.ServerMessage;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import dev.portcullis.session.SessionRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The life of a session's credential after {@code auth_ok} (protocol.md §13): an {@code expiring} warning
 * and a close when the token ends, both scheduled per session and moved on refresh (no polling); refresh
 * over the socket; revocation that closes live sessions at once; and a periodic re-check of every
 * session against revocations, blocks and the users file, as a safety net.
 */
public final class SessionLifecycle {
    private final TokenVerifier verifier;
    private final SharedState revocations;
    private final SessionRegistry sessions;
    private final UserStore users;
    private final AbuseGuard abuse;
    private final MessageCodec codec;
    private final AuditLog audit;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Duration expiryWarning;
    private final Duration leeway;
    private final SessionSteps steps;

    public SessionLifecycle(TokenVerifier verifier, SharedState revocations, SessionRegistry sessions,
                            UserStore users, AbuseGuard abuse, MessageCodec codec, AuditLog audit,
                            Scheduler scheduler, Clock clock, Duration expiryWarning, Duration leeway) {
        this.verifier = verifier;
        this.revocations = revocations;
        this.sessions = sessions;
        this.users = users;
        this.abuse = abuse;
        this.codec = codec;
        this.audit = audit;
        this.scheduler = scheduler;
        this.clock = clock;
        this.expiryWarning = expiryWarning;
        this.leeway = leeway;
        this.steps = new SessionSteps(audit);
    }

    /** Whether the users file (as last loaded) still lets {@code subject} in: known, enabled, with a usable hash. */
    public boolean userMayConnect(String subject) {
        return users.findLoaded(subject).map(User::canLogIn).orElse(false);
    }

    /** Whether {@code token} is revoked; throws BrokerUnavailableException when that cannot be known. */
    public boolean isRevoked(VerifiedToken token) {
        return revocations.isRevoked(token);
    }

    /** A session just authenticated: plan its warning and its end. */
    public void started(Session session) {
        schedule(session, session.identity());
    }

    /** {@code {"type":"refresh"}}: a valid token for the same user moves the session's end. */
    public void refresh(Session session, String token) {
        VerifiedToken fresh;
        try {
            fresh = verifier.verify(token);
        } catch (TokenRejectedException e) {
            refuseRefresh(session, e.reason() == TokenRejectedException.Reason.EXPIRED ? "the new token has expired"
                    : "the new token is not valid");
            return;
        }
        try {
            if (revocations.isRevoked(fresh)) {
                refuseRefresh(session, "the new token has been revoked");
                return;
            }
        } catch (BrokerUnavailableException e) {
            send(session, new ServerMessage.Error(ErrorCode.BROKER_UNAVAILABLE,
                    "the new token cannot be checked now; the old expiry stands"));
            return;
        }
        if (!session.refresh(fresh)) {
            refuseRefresh(session, "the new token is for another user");
            return;
        }
        // refreshed first: a warning for the new token must never overtake it.
        send(session, new ServerMessage.Refreshed(fresh.expiresAt().getEpochSecond()));
        schedule(session, fresh);
    }

    private void refuseRefresh(Session session, String why) {
        send(session, new ServerMessage.Error(ErrorCode.INVALID_REFRESH, why + "; the old expiry stands"));
    }

    /** Closes every live session of {@code user} whose token is now revoked; called after a logout anywhere. */
    public void revoked(String user) {
        steps.forEach(sessions.sessionsOf(user), "revocation check", s -> {
            if (revokedOrUnknown(s.identity()) == Boolean.TRUE) {
                end(s, CloseReason.TOKEN_REVOKED);
            }
        });
    }

    /** Null when the shared state cannot tell now; an open session is then left alone until it can. */
    private Boolean revokedOrUnknown(VerifiedToken token) {
        try {
            return revocations.isRevoked(token);
        } catch (BrokerUnavailableException e) {
            return null;
        }
    }

    private boolean blockedKnown(String user) {
        try {
            return abuse.blocked(user).isPresent();
        } catch (BrokerUnavailableException e) {
            return false;
        }
    }

    /** The safety net: every session against revocations, blocks, the users file and the clock. */
    public void revalidate() {
        // Also keeps the in-memory copy that auth checks (userMayConnect) up to date without logins.
        users.reloadIfChanged();
        Map<String, Optional<User>> known = new HashMap<>();
        Instant now = clock.instant();
        steps.forEach(sessions.all(), "re-validation", s -> {
            VerifiedToken id = s.identity();
            if (id == null) {
                return;
            }
            if (revokedOrUnknown(id) == Boolean.TRUE) {
                end(s, CloseReason.TOKEN_REVOKED);
            } else if (blockedKnown(id.subject())) {
                s.close(ConnectionState.Event.BLOCK, CloseReason.BLOCKED_FOR_ABUSE);
            } else if (!known.computeIfAbsent(id.subject(), users::find).map(User::canLogIn).orElse(false)) {
                end(s, CloseReason.USER_DISABLED);
            } else if (!id.expiresAt().plus(leeway).isAfter(now)) {
                end(s, CloseReason.TOKEN_EXPIRED);
            }
        });
    }

    /**
     * One pending task per session at a time: the warning, which then schedules the close. Idle sessions
     * are the common case, and each scheduled task costs heap for as long as the token lives.
     */
    private void schedule(Session session, VerifiedToken token) {
        Instant end = token.expiresAt().plus(leeway);
        Instant warnAt = token.expiresAt().minus(expiryWarning);
        session.expiryTimers(at(warnAt, () -> steps.run(session, "expiry warning", () -> {
            if (session.identity() != token) {
                return; // refreshed meanwhile: the new token has its own timer
            }
            send(session, new ServerMessage.Expiring(token.expiresAt().getEpochSecond()));
            session.expiryTimers(null, at(end, () -> steps.run(session, "expiry", () -> {
                if (session.identity() == token) {
                    end(session, CloseReason.TOKEN_EXPIRED);
                }
            })));
        })), null);
    }

    /**
     * Runs {@code task} at {@code when} by the injected clock; if the clock disagrees when it fires (the
     * scheduler keeps its own time), waits on. Cancelling the returned task also stops the wait.
     */
    private Scheduler.Task at(Instant when, Runnable task) {
        ClockTimer timer = new ClockTimer(when, task);
        timer.arm();
        return timer;
    }

    /** One timer by the injected clock, re-armed until that clock reaches its time. */
    private final class ClockTimer implements Scheduler.Task {
        private final Instant when;
        private final Runnable task;
        /** Guarded by this; the scheduler's task now waiting, replaced at each re-arm. */
        private Scheduler.Task current;
        /** Guarded by this. */
        private boolean cancelled;

        ClockTimer(Instant when, Runnable task) {
            this.when = when;
            this.task = task;
        }

        void arm() {
            Scheduler.Task next = scheduler.schedule(Duration.between(clock.instant(), when), () -> {
                if (clock.instant().isBefore(when)) {
                    arm();
                } else {
                    task.run();
                }
            });
            synchronized (this) {
                if (cancelled) {
                    next.cancel();
                } else {
                    current = next;
                }
            }
        }

        @Override
        public synchronized void cancel() {
            cancelled = true;
            if (current != null) {
                current.cancel();
            }
        }
    }

    private void end(Session session, CloseReason reason) {
        session.close(ConnectionState.Event.CREDENTIAL_ENDED, reason, () -> audit.sessionEnded(session.id(),
                session.user(), session.connection().remoteAddress(), reason.reason()));
    }

    private void send(Session session, ServerMessage message) {
        session.send(codec.outbound(message));
    }
}
