package dev.portcullis.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.portcullis.platform.PrivateFiles;
import dev.portcullis.platform.Threads;
import java.io.BufferedWriter;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Security events, one JSON object per line: {@code {"time":..,"event":..,"conn":..,"user":..,"remote":..}}.
 * Lines are built on the caller's thread (Jackson escapes every user-controlled string) and written by a
 * thread of their own, so a slow disk never stalls a WebSocket worker. Credentials are never passed in.
 */
public final class AuditLog implements Flushable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final JsonFactory JSON = new JsonFactory();
    /** Usernames from failed logins are attacker-chosen; keep a line's size bounded. */
    private static final int MAX_FIELD_CHARS = 128;

    private final Writer out;
    /** False for stderr, which is not ours to close. */
    private final boolean ownsOut;
    private final Clock clock;
    /** Lines waiting for the writer thread; it flushes once this is empty, not after every line. */
    private final LinkedBlockingQueue<Runnable> pending = new LinkedBlockingQueue<>();
    private final ThreadPoolExecutor writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, pending, Threads.named("audit-writer"));

    private AuditLog(Writer out, boolean ownsOut, Clock clock) {
        this.out = out;
        this.ownsOut = ownsOut;
        this.clock = clock;
    }

    /** Appends to {@code file} (created if missing), or writes to stderr when {@code file} is null. */
    public static AuditLog open(Path file, Clock clock) throws IOException {
        if (file == null) {
            return new AuditLog(new BufferedWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8)), false, clock);
        }
        PrivateFiles.createDirectories(file.toAbsolutePath().getParent());
        if (!Files.exists(file) && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // Remote addresses and usernames are personal data: owner-only, like the other files in the data dir.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        return new AuditLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE), true, clock);
    }

    public void wsConnect(String conn, String remote) {
        write(line("ws_connect", conn, null, remote));
    }

    public void authOk(String conn, String user, String remote) {
        write(line("auth_ok", conn, user, remote));
    }

    public void authFailed(String conn, String remote, String reason) {
        write(line("auth_failed", conn, null, remote).put("reason", reason));
    }

    /** {@code by} is {@code "server"} or {@code "client"}: who started the close. */
    public void wsClose(String conn, String user, String remote, int code, String reason, String by) {
        Line line = line("ws_close", conn, user, remote).put("code", code);
        if (reason != null && !reason.isEmpty()) {
            line.put("reason", reason.length() > MAX_FIELD_CHARS ? reason.substring(0, MAX_FIELD_CHARS) : reason);
        }
        write(line.put("by", by));
    }

    /** {@code origin} is null when the header was absent. */
    public void originRejected(String remote, String origin) {
        Line line = line("origin_rejected", null, null, remote);
        line.put("origin", origin == null ? null : truncate(origin));
        write(line);
    }

    /** A live session ended by its credential: expired, revoked or its user disabled. */
    public void sessionEnded(String conn, String user, String remote, String reason) {
        write(line("session_ended", conn, user, remote).put("reason", reason));
    }

    /** A token revoked by a logout ({@code all} for every token of the user). */
    public void tokenRevoked(String user, String remote, boolean all) {
        write(line("token_revoked", null, user, remote).put("scope", all ? "all" : "token"));
    }

    public void rateLimited(String conn, String user, String remote, long retryAfterMs) {
        write(line("rate_limited", conn, user, remote).put("retry_after_ms", retryAfterMs));
    }

    /** {@code by} is {@code "server"} for automatic blocks, else the admin's name. */
    public void userBlocked(String user, String by, Instant until, String reason) {
        write(line("user_blocked", null, user, null).put("by", by).put("until", until.toString()).put("reason", reason));
    }

    public void userUnblocked(String user, String by) {
        write(line("user_unblocked", null, user, null).put("by", by));
    }

    public void ipBanned(String ip, Instant until) {
        write(line("ip_banned", null, null, ip).put("until", until.toString()));
    }

    /** A connection refused at the door: {@code status} is the HTTP status it got. */
    public void connectionRefused(String remote, int status, String reason) {
        write(line("connection_refused", null, null, remote).put("status", status).put("reason", reason));
    }

    public void loginThrottled(String attemptedUser, String remote, long retryAfterMs) {
        write(line("login_throttled", null, attemptedUser, remote).put("retry_after_ms", retryAfterMs));
    }

    public void loginOk(String user, String remote) {
        write(line("login_ok", null, user, remote));
    }

    public void loginFailed(String attemptedUser, String remote, String reason) {
        write(line("login_failed", null, attemptedUser, remote).put("reason", reason));
    }

    private Line line(String event, String conn, String user, String remote) {
        Line n = new Line(event);
        n.put("time", clock.instant().toString());
        n.put("event", event);
        if (conn != null) {
            n.put("conn", conn);
        }
        if (user != null) {
            n.put("user", truncate(user));
        }
        if (remote != null) {
            n.put("remote", remote);
        }
        return n;
    }

    /**
     * One line, written field by field with Jackson's generator (the same escaping as its tree, without
     * building one: two lines per connection made the tree a visible cost in the connect benchmark).
     */
    private static final class Line {
        private final String event;
        private final StringWriter text = new StringWriter(160);
        private final JsonGenerator json;

        Line(String event) {
            this.event = event;
            try {
                json = JSON.createGenerator(text);
                json.writeStartObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a StringWriter does not fail
            }
        }

        /** A string field; null writes JSON null. */
        Line put(String name, String value) {
            try {
                json.writeStringField(name, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Line put(String name, long value) {
            try {
                json.writeNumberField(name, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        /** Ends the object; the line's text. Call once. */
        String finish() {
            try {
                json.writeEndObject();
                json.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return text.toString();
        }
    }

    private static String truncate(String s) {
        return s.length() > MAX_FIELD_CHARS ? s.substring(0, MAX_FIELD_CHARS) + "…" : s;
    }

    private void write(Line line) {
        String text = line.finish();
        try {
            writer.execute(() -> {
                try {
                    out.write(text);
                    out.write('\n');
                    // A burst of events is written in one go; a lone event is on disk at once.
                    if (pending.isEmpty()) {
                        out.flush();
                    }
                } catch (IOException e) {
                    log.error("audit log write failed: {}", e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn("audit event after shutdown dropped: {}", line.event);
        }
    }

    /**
     * Returns once every event recorded before the call is on disk, so a reader of the file sees them.
     * Waits at most five seconds; after {@link #close()} it returns at once (close drains the queue).
     */
    @Override
    public void flush() throws IOException {
        try {
            writer.submit(() -> {
                out.flush();
                return null;
            }).get(5, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // Closed: close() has written everything already.
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("audit log did not drain within 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while flushing the audit log");
        }
    }

    /** Writes what is queued, then closes the file. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("audit log did not drain within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            out.flush();
            if (ownsOut) {
                out.close();
            }
        } catch (IOException e) {
            log.warn("audit log close failed: {}", e.getMessage());
        }
    }
}
