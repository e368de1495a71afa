package dev.portcullis.gate;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one step over many sessions (re-validation, a revocation or a block fanned out) so that a bug met
 * in one session's step ends that session alone, with 1011 Internal error (protocol.md §6), and never the
 * loop: the sessions after it are still checked.
 */
final class SessionSteps {
    private static final Logger log = LoggerFactory.getLogger(SessionSteps.class);

    private final AuditLog audit;

    SessionSteps(AuditLog audit) {
        this.audit = audit;
    }

    void forEach(List<Session> sessions, String step, Consumer<Session> action) {
        for (Session s : sessions) {
            run(s, step, () -> action.accept(s));
        }
    }

    /** One session's step, e.g. a timer's: its failure would otherwise vanish in the executor. */
    void run(Session s, String step, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            // The session id only: the token and the user's secrets stay out of the log.
            log.error("{}: {} failed; closing the session with 1011 Internal error", s.id(), step, e);
            closeFailed(s);
        }
    }

    private void closeFailed(Session s) {
        try {
            String user = s.user();
            boolean closed = s.close(ConnectionState.Event.SERVER_CLOSE, CloseReason.INTERNAL_ERROR, () -> {
                if (user != null) {
                    audit.sessionEnded(s.id(), user, s.connection().remoteAddress(), CloseReason.INTERNAL_ERROR.reason());
                }
            });
            if (!closed) {
                // The step failed after it had moved the state itself, perhaps before its close: the socket must
                // still go. A second close of a closing socket does nothing.
                s.connection().close(CloseReason.INTERNAL_ERROR.code(), CloseReason.INTERNAL_ERROR.reason());
            }
        } catch (RuntimeException e) {
            log.error("{}: could not be closed after a failed step: {}", s.id(), e.toString());
        }
    }
}
