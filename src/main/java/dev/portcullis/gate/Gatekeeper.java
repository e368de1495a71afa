package dev.portcullis.gate;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.TicketStore;
import dev.portcullis.auth.TokenRejectedException;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.cluster.BrokerUnavailableException;
import dev.portcullis.crypto.Fernet;
import dev.portcullis.crypto.FernetException;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.protocol.ClientMessage;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.ErrorCode;
import dev.portcullis.protocol.MalformedMessageException;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.ServerMessage;
import dev.portcullis.room.RoomService;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches every event of every connection through its {@link ConnectionState}: what a connection may do
 * is decided here and nowhere else. Runs on the transport's worker threads, on the scheduler and on the
 * shared state's threads; it never blocks (token checks are an HMAC, audit lines are queued, and whatever
 * waits for the cluster continues from a future, a connection's messages kept in order by its inbox).
 */
public final class Gatekeeper {
    private static final Logger log = LoggerFactory.getLogger(Gatekeeper.class);
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final MessageCodec codec;
    private final TokenVerifier verifier;
    private final AuditLog audit;
    private final RoomService rooms;
    private final AbuseGuard abuse;
    private final SessionLifecycle lifecycle;
    private final TicketStore tickets;
    private final boolean ticketsEnabled;
    /** Null when no Fernet key is configured: encryption is then refused. */
    private final Fernet fernet;
    private final Metrics metrics;
    private final Duration fernetTtl;
    private final ScheduledExecutorService scheduler;
    private final Duration authTimeout;

    public Gatekeeper(MessageCodec codec, TokenVerifier verifier, AuditLog audit, RoomService rooms, AbuseGuard abuse,
                      SessionLifecycle lifecycle, TicketStore tickets, boolean ticketsEnabled, Fernet fernet,
                      Duration fernetTtl, ScheduledExecutorService scheduler, Duration authTimeout, Metrics metrics) {
        this.metrics = metrics;
        this.fernet = fernet;
        this.fernetTtl = fernetTtl;
        this.abuse = abuse;
        this.lifecycle = lifecycle;
        this.tickets = tickets;
        this.ticketsEnabled = ticketsEnabled;
        this.codec = codec;
        this.verifier = verifier;
        this.audit = audit;
        this.rooms = rooms;
        this.scheduler = scheduler;
        this.authTimeout = authTimeout;
    }

    /** A handshake was refused at the door (server full, address banned or too fast). */
    public void refused(String remote, int status, String reason) {
        audit.connectionRefused(remote, status, reason);
    }

    /** A handshake was refused for its Origin, before any session existed. */
    public void originRejected(String remote, String origin) {
        audit.originRejected(remote, origin);
    }

    /** A socket finished its upgrade: start the auth deadline. */
    public void opened(Session session) {
        opened(session, null);
    }

    /**
     * A socket finished its upgrade. With a credential from the handshake (a ticket or token in the URL,
     * or the session cookie) it is checked at once and {@code auth_ok} needs no first message; otherwise
     * the auth deadline starts.
     */
    public void opened(Session session, HandshakeCredential credential) {
        audit.wsConnect(session.id(), session.connection().remoteAddress());
        session.authDeadline(scheduler.schedule(() -> authTimedOut(session), authTimeout.toMillis(), TimeUnit.MILLISECONDS));
        if (credential != null) {
            ClientMessage.Auth auth = credential.ticket() ? new ClientMessage.Auth(null, credential.value())
                    : new ClientMessage.Auth(credential.value(), null);
            // Through the inbox: frames the client sends right after the upgrade wait for this auth.
            session.inbox().submit(() -> authenticate(session, auth));
        }
    }

    /** One complete text message: handled after every earlier message of the connection. */
    public void text(Session session, String text) {
        // A Java string takes at most two bytes a character.
        if (!session.inbox().submit(2L * text.length(), () -> handleText(session, text))) {
            overloaded(session);
        }
    }

    /** One complete binary message: the protocol is text only. */
    public void binary(Session session) {
        if (!session.inbox().submit(() -> handleBinary(session))) {
            overloaded(session);
        }
    }

    /**
     * The inbox is full: the shared state has not answered for a long while. An answer now would overtake the
     * replies still owed to the waiting messages, so the connection closes instead (the client reconnects
     * with backoff, perhaps to a healthier instance); nothing is dropped silently.
     */
    private void overloaded(Session session) {
        switch (session.state()) {
            case AWAITING_AUTH -> refuse(session, CloseReason.TRY_AGAIN_LATER, "inbox full while the auth is checked");
            case AUTHENTICATED -> {
                log.debug("{}: {} messages ({} bytes) wait for the shared state; closing", session.id(),
                        session.inbox().pending(), session.inbox().pendingBytes());
                session.connection().close(CloseReason.TRY_AGAIN_LATER.code(), CloseReason.TRY_AGAIN_LATER.reason());
            }
            case BLOCKED, CLOSED -> log.debug("{}: frame ignored in state {}", session.id(), session.state());
        }
    }

    private CompletionStage<?> handleText(Session session, String text) {
        if (session.encrypted()) {
            try {
                text = new String(fernet.decrypt(text, fernetTtl), StandardCharsets.UTF_8);
            } catch (FernetException e) {
                log.debug("{}: frame did not decrypt: {}", session.id(), e.getMessage());
                if (session.state() == ConnectionState.AUTHENTICATED) {
                    // In the clear: the peer evidently cannot read what we seal.
                    session.connection().sendPlain(codec.outbound(new ServerMessage.Error(ErrorCode.DECRYPTION_FAILED,
                            "the frame is not a valid Fernet token for this server's keys; it was dropped")));
                    abuse.violation(session.user(), "decryption_failed");
                }
                return DONE;
            }
        }
        ClientMessage message;
        try {
            message = codec.decode(text);
        } catch (MalformedMessageException e) {
            return malformed(session, e.getMessage());
        }
        switch (session.state()) {
            case AWAITING_AUTH -> {
                if (message instanceof ClientMessage.Auth auth) {
                    return authenticate(session, auth);
                }
                refuse(session, CloseReason.EXPECTED_AUTH, "first message was of another type");
                return DONE;
            }
            case AUTHENTICATED -> {
                metrics.messageIn();
                return afterRate(session, idOf(message), () -> handle(session, message));
            }
            default -> {
                log.debug("{}: message ignored in state {}", session.id(), session.state());
                return DONE;
            }
        }
    }

    /** An authenticated connection's message, once its rate allowed it. */
    private CompletionStage<?> handle(Session session, ClientMessage message) {
        if (message instanceof ClientMessage.Join join) {
            return rooms.join(session, join.room()).thenAccept(outcome -> {
                if (outcome == RoomService.JoinOutcome.ACCESS_DENIED) {
                    abuse.violation(session.user(), "access_denied");
                }
            });
        } else if (message instanceof ClientMessage.Leave leave) {
            return rooms.leave(session, leave.room());
        } else if (message instanceof ClientMessage.Publish publish) {
            return rooms.publish(session, publish.room(), publish.payloadJson(), publish.id());
        } else if (message instanceof ClientMessage.Refresh refresh) {
            lifecycle.refresh(session, refresh.token());
        } else if (message instanceof ClientMessage.Auth) {
            reply(session, ErrorCode.ALREADY_AUTHENTICATED, "this connection is already authenticated");
        } else if (message instanceof ClientMessage.Unknown unknown) {
            reply(session, ErrorCode.UNKNOWN_TYPE, "unknown message type");
            log.debug("{}: unknown type of length {}", session.id(), unknown.type().length());
        }
        return DONE;
    }

    /**
     * Takes one message from the user's allowance, then runs {@code then}; when none is left, says so
     * instead, and when the allowance cannot be read (the cluster is unreachable), says that.
     */
    private CompletionStage<?> afterRate(Session session, String id, Supplier<CompletionStage<?>> then) {
        return abuse.admitMessage(session).handle((wait, failure) -> {
            if (failure != null) {
                log.debug("{}: rate not checked: {}", session.id(), failure.toString());
                if (session.state() == ConnectionState.AUTHENTICATED) {
                    send(session, new ServerMessage.Error(ErrorCode.BROKER_UNAVAILABLE,
                            "the server cannot reach its cluster; this message was dropped", null, id));
                }
                return DONE;
            }
            if (wait > 0) {
                if (session.state() == ConnectionState.AUTHENTICATED) {
                    send(session, new ServerMessage.Error(ErrorCode.RATE_LIMITED,
                            "too many messages; this one was dropped", null, id, wait));
                }
                return DONE;
            }
            return then.get();
        }).thenCompose(next -> next);
    }

    private static String idOf(ClientMessage message) {
        return message instanceof ClientMessage.Publish p ? p.id() : null;
    }

    private CompletionStage<?> handleBinary(Session session) {
        switch (session.state()) {
            case AWAITING_AUTH -> refuse(session, CloseReason.EXPECTED_AUTH, "first frame was binary");
            case AUTHENTICATED -> {
                return afterRate(session, null, () -> {
                    reply(session, ErrorCode.BINARY_NOT_SUPPORTED, "binary frames are not supported");
                    return DONE;
                });
            }
            case BLOCKED, CLOSED -> log.debug("{}: binary frame ignored in state {}", session.id(), session.state());
        }
        return DONE;
    }

    /** The socket closed, whoever started it. */
    public void closed(Session session, int code, String reason, boolean byRemote) {
        session.cancelAuthDeadline();
        session.cancelExpiryTimers();
        String user = session.user();
        session.transition(ConnectionState.Event.DISCONNECTED);
        abuse.closed(session);
        rooms.disconnect(session);
        audit.wsClose(session.id(), user, session.connection().remoteAddress(), code, reason, byRemote ? "client" : "server");
    }

    private CompletionStage<?> malformed(Session session, String why) {
        switch (session.state()) {
            case AWAITING_AUTH -> refuse(session, CloseReason.EXPECTED_AUTH, why);
            case AUTHENTICATED -> {
                // Junk counts against the rate like any message, or it would be a free way to make us talk.
                return afterRate(session, null, () -> {
                    reply(session, ErrorCode.MALFORMED_MESSAGE, why);
                    return DONE;
                });
            }
            case BLOCKED, CLOSED -> log.debug("{}: malformed message ignored in state {}", session.id(), session.state());
        }
        return DONE;
    }

    /** Checks an {@code auth}; completes once {@code auth_ok} or the close is under way. */
    private CompletionStage<?> authenticate(Session session, ClientMessage.Auth auth) {
        if (auth.encryption() != null && (fernet == null || !auth.encryption().equals("fernet"))) {
            // Before the ticket is redeemed, so a refused request does not use it up.
            refuse(session, CloseReason.ENCRYPTION_UNAVAILABLE, "encryption " + (fernet == null ? "has no keys" : "scheme unknown"));
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
            if (session.transition(ConnectionState.AUTHENTICATED, ConnectionState.Event.BLOCK)) {
                session.connection().close(CloseReason.BLOCKED_FOR_ABUSE.code(), CloseReason.BLOCKED_FOR_ABUSE.reason());
            }
            return;
        }
        audit.authOk(session.id(), token.subject(), session.connection().remoteAddress());
        metrics.auth("ok");
        metrics.authLatency(System.nanoTime() - session.openedNanos());
        boolean encrypt = auth.encryption() != null;
        // auth_ok itself goes in the clear, so the client learns its request was granted; then everything is sealed.
        send(session, new ServerMessage.AuthOk(token.subject(), token.roles(), token.expiresAt().getEpochSecond(),
                encrypt ? "fernet" : null));
        if (encrypt) {
            session.connection().sealWith(text -> fernet.encrypt(text.getBytes(StandardCharsets.UTF_8)));
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

    private void authTimedOut(Session session) {
        if (session.transition(ConnectionState.AWAITING_AUTH, ConnectionState.Event.AUTH_TIMED_OUT)) {
            fail(session, CloseReason.AUTH_TIMEOUT, "no auth message within " + authTimeout.toMillis() + " ms");
        }
    }

    /**
     * The pending cap needed this connection's place for a newer one (protocol.md §12.6): it closes with
     * 1008 Server busy unless it authenticated first. Like a timeout, not an auth failure of its address.
     */
    public void displaced(Session session) {
        if (session.transition(ConnectionState.AWAITING_AUTH, ConnectionState.Event.AUTH_TIMED_OUT)) {
            session.cancelAuthDeadline();
            fail(session, CloseReason.SERVER_BUSY, "the oldest of --max-pending-connections, displaced by a newer one");
        }
    }

    /** Closes a connection that failed the gate, unless the deadline closed it a moment earlier. */
    private void refuse(Session session, CloseReason reason, String detail) {
        if (session.transition(ConnectionState.AWAITING_AUTH, ConnectionState.Event.AUTH_FAILED)) {
            session.cancelAuthDeadline();
            // Only guessing-like failures count against the address: not a valid credential of a blocked or
            // disabled user, nor a request for encryption this server does not offer.
            if (reason != CloseReason.USER_BLOCKED && reason != CloseReason.USER_DISABLED
                    && reason != CloseReason.ENCRYPTION_UNAVAILABLE && reason != CloseReason.TRY_AGAIN_LATER) {
                abuse.authFailed(session.connection().clientIp());
            }
            fail(session, reason, detail);
        }
    }

    private void fail(Session session, CloseReason reason, String detail) {
        metrics.auth(reason.reason());
        audit.authFailed(session.id(), session.connection().remoteAddress(), reason.reason());
        log.debug("{}: closing with {} '{}': {}", session.id(), reason.code(), reason.reason(), detail);
        session.connection().close(reason.code(), reason.reason());
    }

    private void reply(Session session, ErrorCode code, String message) {
        send(session, new ServerMessage.Error(code, message));
    }

    private void send(Session session, ServerMessage message) {
        session.connection().send(codec.outbound(message));
    }
}
