package dev.portcullis.gate;

import dev.portcullis.protocol.ClientMessage;
import dev.portcullis.protocol.ErrorCode;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.ServerMessage;
import dev.portcullis.room.RoomService;
import dev.portcullis.session.Session;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an authenticated connection's requests go (protocol.md §4): each first takes one message from the
 * user's rate (§12.1), then {@code join}, {@code leave} and {@code message} go to the rooms and
 * {@code refresh} to the session's lifecycle.
 */
final class Router {
    private static final Logger log = LoggerFactory.getLogger(Router.class);
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final RoomService rooms;
    private final SessionLifecycle lifecycle;
    private final AbuseGuard abuse;
    private final MessageCodec codec;

    Router(RoomService rooms, SessionLifecycle lifecycle, AbuseGuard abuse, MessageCodec codec) {
        this.rooms = rooms;
        this.lifecycle = lifecycle;
        this.abuse = abuse;
        this.codec = codec;
    }

    /** A request, once its rate allowed it. */
    CompletionStage<?> route(Session session, ClientMessage message) {
        return afterRate(session, idOf(message), () -> handle(session, message));
    }

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
        } else {
            throw new IllegalArgumentException("not a request: " + message.getClass().getSimpleName());
        }
        return DONE;
    }

    /**
     * Takes one message from the user's allowance, then runs {@code then}; when none is left, says so
     * instead, and when the allowance cannot be read (the cluster is unreachable), says that.
     */
    CompletionStage<?> afterRate(Session session, String id, Supplier<CompletionStage<?>> then) {
        return abuse.admitMessage(session).handle((wait, failure) -> {
            if (failure != null) {
                log.debug("{}: rate not checked: {}", session.id(), failure.toString());
                send(session, new ServerMessage.Error(ErrorCode.BROKER_UNAVAILABLE,
                        "the server cannot reach its cluster; this message was dropped", null, id));
                return DONE;
            }
            if (wait > 0) {
                send(session, new ServerMessage.Error(ErrorCode.RATE_LIMITED,
                        "too many messages; this one was dropped", null, id, wait));
                return DONE;
            }
            return then.get();
        }).thenCompose(next -> next);
    }

    private static String idOf(ClientMessage message) {
        return message instanceof ClientMessage.Publish p ? p.id() : null;
    }

    private void send(Session session, ServerMessage message) {
        session.send(codec.outbound(message));
    }
}
