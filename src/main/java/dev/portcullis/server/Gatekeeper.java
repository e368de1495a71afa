package dev.portcullis.server;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.TicketStore;
import dev.portcullis.auth.TokenRejectedException;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.crypto.Fernet;
import dev.portcullis.crypto.FernetException;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.protocol.ClientMessage;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.ErrorCode;
import dev.portcullis.protocol.MalformedMessageException;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.ServerMessage;
import dev.portcullis.room.RoomRegistry;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches every event of every connection through its {@link ConnectionState}: what a connection may do
 * is decided here and nowhere else. Runs on the transport's worker threads and on the scheduler; it never
 * blocks (token checks are an HMAC, audit lines are queued).
 */
public final class Gatekeeper {
    private static final Logger log = LoggerFactory.getLogger(Gatekeeper.class);

    private final MessageCodec codec;
    private final TokenVerifier verifier;
    private final AuditLog audit;
    private final RoomRegistry rooms;
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

    public Gatekeeper(MessageCodec codec, TokenVerifier verifier, AuditLog audit, RoomRegistry rooms, AbuseGuard abuse,
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
            authenticate(session, credential.ticket() ? new ClientMessage.Auth(null, credential.value())
                    : new ClientMessage.Auth(credential.value(), null));
        }
    }

    /** One complete text message. */
    public void text(Session session, String text) {
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
                return;
            }
        }
        ClientMessage message;
        try {
            message = codec.decode(text);
        } catch (MalformedMessageException e) {
            malformed(session, e.getMessage());
            return;
        }
        switch (session.state()) {
            case AWAITING_AUTH -> {
                if (message instanceof ClientMessage.Auth auth) {
                    authenticate(session, auth);
                } else {
                    refuse(session, CloseReason.EXPECTED_AUTH, "first message was of another type");
                }
            }
            case AUTHENTICATED -> {
                metrics.messageIn();
                if (rateLimited(session, idOf(message))) {
                    return;
                }
                if (message instanceof ClientMessage.Join join) {
                    if (rooms.join(session, join.room()) == RoomRegistry.JoinOutcome.ACCESS_DENIED) {
                        abuse.violation(session.user(), "access_denied");
                    }
                } else if (message instanceof ClientMessage.Leave leave) {
                    rooms.leave(session, leave.room());
                } else if (message instanceof ClientMessage.Publish publish) {
                    rooms.publish(session, publish.room(), publish.payloadJson(), publish.id());
                } else if (message instanceof ClientMessage.Refresh refresh) {
                    lifecycle.refresh(session, refresh.token());
                } else if (message instanceof ClientMessage.Auth) {
                    reply(session, ErrorCode.ALREADY_AUTHENTICATED, "this connection is already authenticated");
                } else if (message instanceof ClientMessage.Unknown unknown) {
                    reply(session, ErrorCode.UNKNOWN_TYPE, "unknown message type");
                    log.debug("{}: unknown type of length {}", session.id(), unknown.type().length());
                }
            }
            case BLOCKED, CLOSED -> log.debug("{}: message ignored in state {}", session.id(), session.state());
        }
    }

    /** Takes one message from the user's allowance; when none is left, says so and returns true. */
    private boolean rateLimited(Session session, String id) {
        long wait = abuse.admitMessage(session);
        if (wait > 0 && session.state() == ConnectionState.AUTHENTICATED) {
            send(session, new ServerMessage.Error(ErrorCode.RATE_LIMITED,
                    "too many messages; this one was dropped", null, id, wait));
        }
        return wait > 0;
    }

    private static String idOf(ClientMessage message) {
        return message instanceof ClientMessage.Publish p ? p.id() : null;
    }

    /** One complete binary message: the protocol is text only. */
    public void binary(Session session) {
        switch (session.state()) {
            case AWAITING_AUTH -> refuse(session, CloseReason.EXPECTED_AUTH, "first frame was binary");
            case AUTHENTICATED -> {
                if (rateLimited(session, null)) {
                    return;
                }
                reply(session, ErrorCode.BINARY_NOT_SUPPORTED, "binary frames are not supported");
            }
            case BLOCKED, CLOSED -> log.debug("{}: binary frame ignored in state {}", session.id(), session.state());
        }
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

    private void malformed(Session session, String why) {
        switch (session.state()) {
            case AWAITING_AUTH -> refuse(session, CloseReason.EXPECTED_AUTH, why);
            case AUTHENTICATED -> {
                // Junk counts against the rate like any message, or it would be a free way to make us talk.
                if (rateLimited(session, null)) {
                    return;
                }
                reply(session, ErrorCode.MALFORMED_MESSAGE, why);
            }
            case BLOCKED, CLOSED -> log.debug("{}: malformed message ignored in state {}", session.id(), session.state());
        }
    }

    private void authenticate(Session session, ClientMessage.Auth auth) {
        if (auth.encryption() != null && (fernet == null || !auth.encryption().equals("fernet"))) {
            // Before the ticket is redeemed, so a refused request does not use it up.
            refuse(session, CloseReason.ENCRYPTION_UNAVAILABLE, "encryption " + (fernet == null ? "has no keys" : "scheme unknown"));
            return;
        }
        VerifiedToken token;
        if (auth.ticket() != null) {
            if (!ticketsEnabled) {
                refuse(session, CloseReason.EXPECTED_AUTH, "ticket mode is off");
                return;
            }
            Optional<VerifiedToken> redeemed = tickets.redeem(auth.ticket());
            if (redeemed.isEmpty()) {
                refuse(session, CloseReason.INVALID_TICKET, "unknown, used or expired ticket");
                return;
            }
            token = redeemed.get();
        } else {
            try {
                token = verifier.verify(auth.token());
            } catch (TokenRejectedException e) {
                log.debug("{}: token rejected: {}", session.id(), e.getMessage());
                refuse(session, e.reason() == TokenRejectedException.Reason.EXPIRED
                        ? CloseReason.TOKEN_EXPIRED : CloseReason.INVALID_TOKEN, e.getMessage());
                return;
            }
        }
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
        if (!session.authenticate(token)) {
            return; // the deadline won the race and is closing the connection
        }
        session.connection().authenticated();
        abuse.authenticated(session);
        // A block that landed between the check above and the registration would have missed this session.
        if (abuse.blocked(token.subject()).isPresent()) {
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

    private void authTimedOut(Session session) {
        if (session.transition(ConnectionState.AWAITING_AUTH, ConnectionState.Event.AUTH_TIMED_OUT)) {
            fail(session, CloseReason.AUTH_TIMEOUT, "no auth message within " + authTimeout.toMillis() + " ms");
        }
    }

    /** Closes a connection that failed the gate, unless the deadline closed it a moment earlier. */
    private void refuse(Session session, CloseReason reason, String detail) {
        if (session.transition(ConnectionState.AWAITING_AUTH, ConnectionState.Event.AUTH_FAILED)) {
            session.cancelAuthDeadline();
            // Only guessing-like failures count against the address: not a valid credential of a blocked or
            // disabled user, nor a request for encryption this server does not offer.
            if (reason != CloseReason.USER_BLOCKED && reason != CloseReason.USER_DISABLED
                    && reason != CloseReason.ENCRYPTION_UNAVAILABLE) {
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
