package dev.portcullis.gate;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.TicketStore;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.crypto.Fernet;
import dev.portcullis.crypto.FernetException;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.platform.Scheduler;
import dev.portcullis.protocol.ClientMessage;
import dev.portcullis.protocol.ErrorCode;
import dev.portcullis.protocol.MalformedMessageException;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.ServerMessage;
import dev.portcullis.room.RoomService;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.ConnectionState.Answer;
import dev.portcullis.session.ConnectionState.Inbound;
import dev.portcullis.session.Session;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every event of every connection, answered as its {@link ConnectionState}'s table says: what arrives is
 * told apart ({@link Inbound}), looked up once, and handed to the {@link Authenticator}, the
 * {@link Router}, a refusal, a close or nothing. Runs on the transport's worker threads, on the scheduler
 * and on the shared state's threads; it never blocks (token checks are an HMAC, audit lines are queued,
 * and whatever waits for the cluster continues from a future, a connection's messages kept in order by
 * its inbox).
 */
public final class Gatekeeper {
    private static final Logger log = LoggerFactory.getLogger(Gatekeeper.class);
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final MessageCodec codec;
    private final AuditLog audit;
    private final RoomService rooms;
    private final AbuseGuard abuse;
    private final Metrics metrics;
    /** Null when no Fernet key is configured. */
    private final FernetSealing sealing;
    private final Authenticator authenticator;
    private final Router router;

    public Gatekeeper(MessageCodec codec, TokenVerifier verifier, AuditLog audit, RoomService rooms, AbuseGuard abuse,
                      SessionLifecycle lifecycle, TicketStore tickets, boolean ticketsEnabled, Fernet fernet,
                      Duration fernetTtl, Scheduler scheduler, Duration authTimeout, Metrics metrics) {
        this.codec = codec;
        this.audit = audit;
        this.rooms = rooms;
        this.abuse = abuse;
        this.metrics = metrics;
        this.sealing = fernet == null ? null : new FernetSealing(fernet, fernetTtl);
        this.authenticator = new Authenticator(codec, verifier, tickets, ticketsEnabled, sealing, lifecycle, abuse,
                audit, metrics, scheduler, authTimeout);
        this.router = new Router(rooms, lifecycle, abuse, codec);
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
        authenticator.startDeadline(session);
        if (credential != null) {
            ClientMessage.Auth auth = credential.ticket() ? new ClientMessage.Auth(null, credential.value())
                    : new ClientMessage.Auth(credential.value(), null);
            // Through the inbox: frames the client sends right after the upgrade wait for this auth.
            session.inbox().submit(() -> answer(session, Inbound.AUTH, auth, "credential in the handshake"));
        }
    }

    /** One complete text message: handled after every earlier message of the connection. */
    public void text(Session session, String text) {
        // A Java string takes at most two bytes a character.
        if (!session.inbox().submit(2L * text.length(), () -> handleText(session, text))) {
            inboxFull(session);
        }
    }

    /** One complete binary message: the protocol is text only. */
    public void binary(Session session) {
        if (!session.inbox().submit(() -> answer(session, Inbound.BINARY, null, "binary frame"))) {
            inboxFull(session);
        }
    }

    /**
     * The pending cap needed this connection's place for a newer one (protocol.md §12.6): it closes with
     * 1008 Server busy unless it authenticated first.
     */
    public void displaced(Session session) {
        authenticator.displaced(session);
    }

    /**
     * The socket closed, whoever started it. A close the server started is recorded with the code and reason
     * it sent, whatever the socket reports at the end (protocol.md §6).
     */
    public void closed(Session session, int code, String reason, boolean byRemote) {
        String user = session.user();
        Session.ServerClose started = session.serverClose();
        session.disconnected();
        abuse.closed(session);
        rooms.disconnect(session);
        int closeCode = started == null ? code : started.code();
        metrics.closed(closeCode);
        audit.wsClose(session.id(), user, session.connection().remoteAddress(), closeCode,
                started == null ? reason : started.reason(), started != null || !byRemote ? "server" : "client");
    }

    /**
     * The inbox is full: the shared state has not answered for a long while. An answer now would overtake the
     * replies still owed to the waiting messages, so the connection closes instead (the client reconnects
     * with backoff, perhaps to a healthier instance); nothing is dropped silently.
     */
    private void inboxFull(Session session) {
        answer(session, Inbound.INBOX_FULL, null, session.inbox().pending() + " messages ("
                + session.inbox().pendingBytes() + " bytes) wait for the shared state");
    }

    private CompletionStage<?> handleText(Session session, String text) {
        String plain = text;
        if (session.encrypted()) {
            try {
                plain = sealing.open(text);
            } catch (FernetException e) {
                return answer(session, Inbound.UNDECRYPTABLE, null, "frame did not decrypt: " + e.getMessage());
            }
        }
        ClientMessage message;
        try {
            message = codec.decode(plain);
        } catch (MalformedMessageException e) {
            return answer(session, Inbound.MALFORMED, null, e.getMessage());
        }
        return answer(session, kindOf(message), message, "a message of another type");
    }

    private static Inbound kindOf(ClientMessage message) {
        if (message instanceof ClientMessage.Auth) {
            return Inbound.AUTH;
        }
        return message instanceof ClientMessage.Unknown ? Inbound.UNKNOWN_TYPE : Inbound.REQUEST;
    }

    /** The one lookup: what the connection's state does with {@code kind}, then that. */
    private CompletionStage<?> answer(Session session, Inbound kind, ClientMessage message, String detail) {
        ConnectionState state = session.state();
        Answer answer = state.answer(kind);
        if (message != null && state.servesUser()) {
            metrics.messageIn();
        }
        switch (answer.action()) {
            case HANDLE -> {
                return kind == Inbound.AUTH ? authenticator.authenticate(session, (ClientMessage.Auth) message)
                        : router.route(session, message);
            }
            case REFUSE -> {
                if (!answer.counted()) {
                    undecryptable(session, detail);
                    return DONE;
                }
                // Junk counts against the rate like any message, or it would be a free way to make us talk.
                return router.afterRate(session, null, () -> {
                    session.send(codec.outbound(new ServerMessage.Error(answer.error(), refusal(answer.error(), detail))));
                    return DONE;
                });
            }
            case CLOSE -> {
                if (answer.event() == ConnectionState.Event.AUTH_FAILED) {
                    authenticator.refuse(session, answer.close(), detail);
                } else {
                    log.debug("{}: closing with {} '{}': {}", session.id(), answer.close().code(),
                            answer.close().reason(), detail);
                    session.close(answer.event(), answer.close());
                }
                return DONE;
            }
            case IGNORE -> {
                log.debug("{}: {} ignored in state {}", session.id(), kind, state);
                return DONE;
            }
            default -> throw new IllegalStateException(answer.action().name());
        }
    }

    /**
     * The one refusal that is not counted against the rate: sent in the clear, since the peer evidently
     * cannot read what we seal, and a violation (protocol.md §14.3).
     */
    private void undecryptable(Session session, String detail) {
        log.debug("{}: {}", session.id(), detail);
        session.sendPlain(codec.outbound(new ServerMessage.Error(ErrorCode.DECRYPTION_FAILED,
                refusal(ErrorCode.DECRYPTION_FAILED, detail))));
        abuse.violation(session.user(), ErrorCode.DECRYPTION_FAILED.wire());
    }

    /** The {@code message} text of a refusal from the table; a malformed message says what was wrong. */
    private static String refusal(ErrorCode code, String detail) {
        return switch (code) {
            case ALREADY_AUTHENTICATED -> "this connection is already authenticated";
            case UNKNOWN_TYPE -> "unknown message type";
            case BINARY_NOT_SUPPORTED -> "binary frames are not supported";
            case DECRYPTION_FAILED -> "the frame is not a valid Fernet token for this server's keys; it was dropped";
            default -> detail;
        };
    }
}
