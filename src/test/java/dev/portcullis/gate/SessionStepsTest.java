package dev.portcullis.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.JwtSecret;
import dev.portcullis.auth.RevocationStore;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.cluster.LocalState;
import dev.portcullis.config.CommandLine;
import dev.portcullis.config.Config;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.limit.AddressPrefix;
import dev.portcullis.limit.Blocklist;
import dev.portcullis.limit.IpGuard;
import dev.portcullis.limit.RateLimiter;
import dev.portcullis.limit.RateSpec;
import dev.portcullis.metrics.HeapAfterGc;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.platform.ExecutorScheduler;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.protocol.OutboundText;
import dev.portcullis.session.Connection;
import dev.portcullis.session.ConnectionState;
import dev.portcullis.session.Session;
import dev.portcullis.session.SessionRegistry;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * protocol.md §6, §13.5, §12.2: a loop over sessions (re-validation, a block's or a revocation's fan-out)
 * survives a bug in one session's step. The failing session is one whose identity has no expiry, the state a
 * token with {@code "exp":null} once produced; its transport is in memory, as only the loop is under test.
 */
class SessionStepsTest {
    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");
    /**
     * The registry's order is by identity hash, so it differs from run to run: with three broken sessions among
     * fifteen, all three come last (and a loop that stops at the first would pass) once in 455 runs.
     */
    private static final int OTHERS = 12;
    private static final int BROKEN = 3;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(NOW);
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final SessionRegistry sessions = new SessionRegistry();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Path usersFile;
    private SessionLifecycle lifecycle;
    private AbuseGuard abuse;

    /** A transport that records the close the server starts. */
    private static class MemoryConnection implements Connection {
        /** Written by the loop under test, read by the test thread after it returned. */
        private volatile String closedWith;

        @Override
        public boolean send(OutboundText message) {
            return true;
        }

        @Override
        public void close(int code, String reason) {
            if (closedWith == null) {
                closedWith = code + " " + reason;
            }
        }

        @Override
        public String remoteAddress() {
            return "192.0.2.1:1000";
        }

        @Override
        public String clientIp() {
            return "192.0.2.1";
        }

        @Override
        public void authenticated() {
        }

        @Override
        public void sealWith(Function<String, String> sealer) {
        }

        @Override
        public boolean sendPlain(OutboundText message) {
            return true;
        }

        @Override
        public void abort(String why) {
            close(1006, why);
        }
    }

    @BeforeEach
    void wire() throws Exception {
        Config config = new ConfigLoader(Map.of()).load(CommandLine.parse(new String[0]).flags());
        usersFile = dir.resolve("users.json");
        writeUsers(false);
        UserStore users = UserStore.open(usersFile);
        AuditLog audit = AuditLog.open(dir.resolve("audit.log"), clock);
        toClose.add(audit);
        RevocationStore revocations = RevocationStore.open(dir.resolve("revocations.log"), clock);
        LocalState shared = new LocalState(revocations, Blocklist.open(dir.resolve("blocks.json"), clock),
                new RateLimiter(RateSpec.OFF, clock), clock);
        toClose.add(shared);
        IpGuard ips = new IpGuard(RateSpec.OFF, 0, RateSpec.OFF, Duration.ofMinutes(1), new AddressPrefix(32, 64), clock);
        HeapAfterGc heap = new HeapAfterGc();
        toClose.add(heap);
        abuse = new AbuseGuard(config.abuse(), shared, sessions, ips, audit, clock, new Metrics(heap));
        TokenVerifier verifier = new TokenVerifier(JwtSecret.fromText("a-test-secret-that-is-long-enough-for-hs256"),
                "portcullis", Duration.ofSeconds(5), clock);
        lifecycle = new SessionLifecycle(verifier, shared, sessions, users, abuse, new MessageCodec(), audit,
                new ExecutorScheduler(scheduler), clock, Duration.ofMinutes(1), Duration.ofSeconds(5));
    }

    @AfterEach
    void close() throws Exception {
        scheduler.shutdownNow();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private void writeUsers(boolean othersDisabled) throws Exception {
        List<User> list = new ArrayList<>();
        for (int i = 0; i < BROKEN; i++) {
            list.add(new User("broken" + i, "$2a$04$" + "a".repeat(53), List.of("user")));
        }
        for (int i = 0; i < OTHERS; i++) {
            list.add(new User("user" + i, "$2a$04$" + "a".repeat(53), List.of("user"), othersDisabled));
        }
        UserStore.write(usersFile, list);
        // The store reloads on a changed modification time; a write within the same tick must still count.
        Files.setLastModifiedTime(usersFile, FileTime.from(Instant.now().plusSeconds(othersDisabled ? 60 : 0)));
    }

    private Session session(String user, Instant expiresAt) {
        Session s = new Session("conn-" + user, new MemoryConnection());
        assertTrue(s.authenticate(new VerifiedToken(user, List.of("user"), NOW, expiresAt, "jti-" + user,
                Optional.empty())));
        sessions.add(s);
        return s;
    }

    private static String closedWith(Session s) {
        return ((MemoryConnection) s.connection()).closedWith;
    }

    @Test
    @DisplayName("§13.5: a session whose re-validation throws is closed with 1011 and every disabled user is still closed")
    void revalidationGoesOn() throws Exception {
        List<Session> broken = new ArrayList<>();
        for (int i = 0; i < BROKEN; i++) {
            broken.add(session("broken" + i, null));
        }
        List<Session> others = new ArrayList<>();
        for (int i = 0; i < OTHERS; i++) {
            others.add(session("user" + i, NOW.plus(Duration.ofHours(1))));
        }
        writeUsers(true);

        try (LogCapture logs = LogCapture.start()) {
            lifecycle.revalidate();
            assertTrue(logs.text().contains("conn-broken0: re-validation failed"), logs.text());
        }

        for (Session s : broken) {
            assertEquals("1011 Internal error", closedWith(s), s.id());
            assertEquals(ConnectionState.CLOSED, s.state(), s.id());
        }
        for (Session s : others) {
            assertEquals("1008 User disabled", closedWith(s), s.id());
        }
    }

    @Test
    @DisplayName("§12.2: a block closes the user's other connections even when one of them cannot be closed")
    void blockGoesOn() {
        List<Session> own = new ArrayList<>();
        for (int i = 0; i < OTHERS; i++) {
            own.add(session("user0", NOW.plus(Duration.ofHours(1))));
        }
        List<Session> unclosable = new ArrayList<>();
        for (int i = 0; i < BROKEN; i++) {
            Session s = new Session("conn-unclosable" + i, new MemoryConnection() {
                @Override
                public void close(int code, String reason) {
                    throw new IllegalStateException("transport bug");
                }
            });
            assertTrue(s.authenticate(new VerifiedToken("user0", List.of("user"), NOW, NOW.plusSeconds(3600),
                    "jti-x" + i, Optional.empty())));
            sessions.add(s);
            unclosable.add(s);
        }

        try (LogCapture logs = LogCapture.start()) {
            abuse.closeBlocked("user0");
            assertTrue(logs.text().contains("conn-unclosable0: block failed"), logs.text());
        }

        for (Session s : own) {
            assertEquals("1008 Blocked for abuse", closedWith(s), s.id());
        }
        for (Session s : unclosable) {
            assertFalse(s.isAuthenticated(), s.id());
        }
    }
}
