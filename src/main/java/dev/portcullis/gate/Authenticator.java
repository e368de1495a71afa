package dev.portcullis.gate;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.TicketStore;
import dev.portcullis.auth.TokenRejectedException;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.cluster.BrokerUnavailableException;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.platform.Scheduler;
import dev.portcullis.protocol.ClientMessage;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.ServerMessage;
import dev.portcullis.session.ConnectionState.Event;
import dev.portcullis.session.Session;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way through the gate (protocol.md §2, §13): the auth deadline, tickets and tokens, then revocation,
 * the users file and blocks, and {@code auth_ok}; or the close that says which check failed.
 */
final class Authenticator {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final MessageCodec codec;
    private final TokenVerifier verifier;
    private final TicketStore tickets;
    private final boolean ticketsEnabled;
    /** Null when no Fernet key is configured: encryption is then refused. */
    private final FernetSealing sealing;
    private final SessionLifecycle lifecycle;
    private final AbuseGuard abuse;
    private final AuditLog audit;
    private final Metrics metrics;
    private final Scheduler scheduler;
    private final Duration authTimeout;

    Authenticator(MessageCodec codec, TokenVerifier verifier, TicketStore tickets, boolean ticketsEnabled,
                  FernetSealing sealing, SessionLifecycle lifecycle, AbuseGuard abuse, AuditLog audit, Metrics metrics,
                  Scheduler scheduler, Duration authTimeout) {
        this.codec = codec;
        this.verifier = verifier;
        this.tickets = tickets;
        this.ticketsEnabled = ticketsEnabled;
        this.sealing = sealing;
        this.lifecycle = lifecycle;
        this.abuse = abuse;
        this.audit = audit;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.authTimeout = authTimeout;
    }

    /** The socket is open: the deadline starts. */
    void startDeadline(Session session) {
        session.authDeadline(scheduler.schedule(authTimeout, () -> session.close(Event.AUTH_TIMED_OUT,
                CloseReason.AUTH_TIMEOUT, () -> record(session, CloseReason.AUTH_TIMEOUT,
                        "no auth message within " + authTimeout.toMillis() + " ms"))));
    }

    /**
     * The pending cap needed this connection's place for a newer one (protocol.md §12.6): it closes with
     * 1008 Server busy unless it authenticated first. Like a timeout, not an auth failure of its address.
     */
    void displaced(Session session) {
        session.close(Event.AUTH_TIMED_OUT, CloseReason.SERVER_BUSY, () -> record(session, CloseReason.SERVER_BUSY,
                "the oldest of --max-pending-connections, displaced by a newer one"));
    }

    /** Checks an {@code auth}; completes once {@code auth_ok} or the close is under way. */
    CompletionStage<?> authenticate(Session session, ClientMessage.Auth auth) {
        if (auth.encryption() != null && (sealing == null || !auth.encryption().equals("fernet"))) {
            // Before the ticket is redeemed, so a refused request does not use it up.
            refuse(session, CloseReason.ENCRYPTION_UNAVAILABLE, "encryption " + (sealing == null ? "has no keys" : "scheme unknown"));
            return DONE;
        }
        if (auth.ticket() != null) {
            if (!ticketsEnabled) {
                refuse(session, CloseReason.EXPECTED_AUTH, "ticket mode is off");
                return DONE;
            }
            return tickets.redeem(auth.ticket()).handle((redeemed, failure) -> {
                if (failure != null) {
                    log.debug("{}: ticket not checked: {}", session.id(), failure.toString());
                    refuse(session, CloseReason.TRY_AGAIN_LATER, "ticket store unreachable");
                } else if (redeemed.isEmpty()) {
                    refuse(session, CloseReason.INVALID_TICKET, "unknown, used or expired ticket");
                } else {
                    admit(session, redeemed.get(), auth);
                }
                return null;
            });
        }
        VerifiedToken token;
        try {
            token = verifier.verify(auth.token());
        } catch (TokenRejectedException e) {
            log.debug("{}: token rejected: {}", session.id(), e.getMessage());
            refuse(session, e.reason() == TokenRejectedException.Reason.EXPIRED
                    ? CloseReason.TOKEN_EXPIRED : CloseReason.INVALID_TOKEN, e.getMessage());
            return DONE;
        }
        admit(session, token, auth);
        return DONE;
    }

    /** The credential checked out: the checks that follow it (§2: revocation, users file, block), then auth_ok. */
    private void admit(Session session, VerifiedToken token, ClientMessage.Auth auth) {
        try {
            if (lifecycle.isRevoked(token)) {
                refuse(session, CloseReason.TOKEN_REVOKED, "token revoked");
                return;
            }
            if (!lifecycle.userMayConnect(token.subject())) {
                // The users file is the authority: a removed or disabled user's unexpired tokens open nothing.
                refuse(session, CloseReason.USER_DISABLED, "user unknown or disabled");
                return;
            }
            if (abuse.blocked(token.subject()).isPresent()) {
                refuse(session, CloseReason.USER_BLOCKED, "user is blocked");
                return;
            }
        } catch (BrokerUnavailableException e) {
            // Fail closed: a revocation or block we cannot see must not let a credential through.
            refuse(session, CloseReason.TRY_AGAIN_LATER, "shared state unavailable: " + e.getMessage());
            return;
        }
        if (!session.authenticate(token)) {
            return; // the deadline won the race and is closing the connection
        }
        session.connection().authenticated();
        abuse.authenticated(session);
        // A block that landed between the check above and the registration would have missed this session.
        if (blockedMeanwhile(token.subject())) {
            session.close(Event.BLOCK, CloseReason.BLOCKED_FOR_ABUSE);
            return;
        }
        audit.authOk(session.id(), token.subject(), session.connection().remoteAddress());
        metrics.auth("ok");
        metrics.authLatency(System.nanoTime() - session.openedNanos());
        boolean encrypt = auth.encryption() != null;
        // auth_ok itself goes in the clear, so the client learns its request was granted; then everything is sealed.
        session.send(codec.outbound(new ServerMessage.AuthOk(token.subject(), token.roles(),
                token.expiresAt().getEpochSecond(), encrypt ? "fernet" : null)));
        if (encrypt) {
            session.connection().sealWith(sealing::seal);
            session.encrypted(true);
        }
        lifecycle.started(session);
    }

    private boolean blockedMeanwhile(String user) {
        try {
            return abuse.blocked(user).isPresent();
        } catch (BrokerUnavailableException e) {
            return false; // checked an instant ago; the shared state replays every block when it is back
        }
    }

    /** Closes a connection that failed the gate, unless the deadline closed it a moment earlier. */
    void refuse(Session session, CloseReason reason, String detail) {
        session.close(Event.AUTH_FAILED, reason, () -> {
            // Only guessing-like failures count against the address: not a valid credential of a blocked or
            // disabled user, nor a request for encryption this server does not offer.
            if (reason != CloseReason.USER_BLOCKED && reason != CloseReason.USER_DISABLED
                    && reason != CloseReason.ENCRYPTION_UNAVAILABLE && reason != CloseReason.TRY_AGAIN_LATER) {
                abuse.authFailed(session.connection().clientIp());
            }
            record(session, reason, detail);
        });
    }

    private void record(Session session, CloseReason reason, String detail) {
        metrics.auth(reason.reason());
        audit.authFailed(session.id(), session.connection().remoteAddress(), reason.reason());
        log.debug("{}: closing with {} '{}': {}", session.id(), reason.code(), reason.reason(), detail);
    }
}
