package dev.portcullis.server;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.TokenRejectedException;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.protocol.ClientMessage;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.ErrorCode;
import dev.portcullis.protocol.MalformedMessageException;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.ServerMessage;
import dev.portcullis.room.RoomRegistry;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import java.time.Duration;
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
    private final ScheduledExecutorService scheduler;
    private final Duration authTimeout;

    public Gatekeeper(MessageCodec codec, TokenVerifier verifier, AuditLog audit, RoomRegistry rooms, AbuseGuard abuse,
                      ScheduledExecutorService scheduler, Duration authTimeout) {
        this.abuse = abuse;
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
        audit.wsConnect(session.id(), session.connection().remoteAddress());
        session.authDeadline(scheduler.schedule(() -> authTimedOut(session), authTimeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** One complete text message. */
    public void text(Session session, String text) {
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
                long wait = abuse.admitMessage(session);
                if (wait > 0) {
                    send(session, new ServerMessage.Error(ErrorCode.RATE_LIMITED,
                            "too many messages; this one was dropped", null, idOf(message), wait));
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

    private static String idOf(ClientMessage message) {
        return message instanceof ClientMessage.Publish p ? p.id() : null;
    }

    /** One complete binary message: the protocol is text only. */
    public void binary(Session session) {
        switch (session.state()) {
            case AWAITING_AUTH -> refuse(session, CloseReason.EXPECTED_AUTH, "first frame was binary");
            case AUTHENTICATED -> reply(session, ErrorCode.BINARY_NOT_SUPPORTED, "binary frames are not supported");
            case BLOCKED, CLOSED -> log.debug("{}: binary frame ignored in state {}", session.id(), session.state());
        }
    }

    /** The socket closed, whoever started it. */
    public void closed(Session session, int code, String reason, boolean byRemote) {
        session.cancelAuthDeadline();
        String user = session.user();
        session.transition(ConnectionState.Event.DISCONNECTED);
        abuse.closed(session);
        rooms.disconnect(session);
        audit.wsClose(session.id(), user, session.connection().remoteAddress(), code, reason, byRemote ? "client" : "server");
    }

    private void malformed(Session session, String why) {
        switch (session.state()) {
            case AWAITING_AUTH -> refuse(session, CloseReason.EXPECTED_AUTH, why);
            case AUTHENTICATED -> reply(session, ErrorCode.MALFORMED_MESSAGE, why);
            case BLOCKED, CLOSED -> log.debug("{}: malformed message ignored in state {}", session.id(), session.state());
        }
    }

    private void authenticate(Session session, ClientMessage.Auth auth) {
        VerifiedToken token;
        try {
            token = verifier.verify(auth.token());
        } catch (TokenRejectedException e) {
            log.debug("{}: token rejected: {}", session.id(), e.getMessage());
            refuse(session, e.reason() == TokenRejectedException.Reason.EXPIRED
                    ? CloseReason.TOKEN_EXPIRED : CloseReason.INVALID_TOKEN, e.getMessage());
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
        audit.authOk(session.id(), token.subject(), session.connection().remoteAddress());
        send(session, new ServerMessage.AuthOk(token.subject(), token.roles(), token.expiresAt().getEpochSecond()));
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
            if (reason != CloseReason.USER_BLOCKED) {
                abuse.authFailed(session.connection().clientIp());
            }
            fail(session, reason, detail);
        }
    }

    private void fail(Session session, CloseReason reason, String detail) {
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
