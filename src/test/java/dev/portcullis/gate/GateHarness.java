package dev.portcullis.gate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.JwtSecret;
import dev.portcullis.auth.RevocationStore;
import dev.portcullis.auth.TicketStore;
import dev.portcullis.auth.TokenIssuer;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.cluster.LocalState;
import dev.portcullis.config.AuthConfig;
import dev.portcullis.config.CommandLine;
import dev.portcullis.config.Config;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.crypto.Fernet;
import dev.portcullis.crypto.FernetKey;
import dev.portcullis.limit.AddressPrefix;
import dev.portcullis.limit.Blocklist;
import dev.portcullis.limit.IpGuard;
import dev.portcullis.limit.RateLimiter;
import dev.portcullis.metrics.HeapAfterGc;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.room.RoomPolicy;
import dev.portcullis.room.RoomService;
import dev.portcullis.session.Session;
import dev.portcullis.session.SessionRegistry;
import dev.portcullis.testing.FakeScheduler;
import dev.portcullis.testing.MutableClock;
import dev.portcullis.testing.RecordingConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gate wired as the server wires it, with no socket and no thread of its own: connections are
 * {@link RecordingConnection}s, time is a {@link MutableClock} and every timer a {@link FakeScheduler}
 * task, the shared state the in-memory one. Flags are the operator's, on top of the production
 * defaults. A test reads like a transcript: what the client sent, what the server sent back, how it closed.
 */
final class GateHarness implements AutoCloseable {
    static final String SECRET = "gate-harness-secret-0123456789-abcdefghij";
    private static final ObjectMapper JSON = new ObjectMapper();

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final FakeScheduler scheduler = new FakeScheduler(clock);
    final Path usersFile;
    final Gatekeeper gate;
    final SessionLifecycle lifecycle;
    final AbuseGuard abuse;
    final LocalState shared;
    final TicketStore tickets;
    final Fernet fernet;
    private final TokenIssuer issuer;
    private final TokenVerifier verifier;
    private final AuditLog audit;
    private final HeapAfterGc heap;
    private final Path auditFile;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private int connections;

    GateHarness(Path dir, String... flags) {
        try {
            List<String> args = new ArrayList<>(List.of("--data-dir", dir.toString(), "--fernet-keys",
                    FernetKey.generate(new SecureRandom())));
            args.addAll(List.of(flags));
            Config config = new ConfigLoader(Map.of()).load(CommandLine.parse(args.toArray(String[]::new)).flags());
            AuthConfig auth = config.auth();
            usersFile = dir.resolve("users.json");
            writeUsers(List.of(new User("alice", "$2a$04$" + "a".repeat(53), List.of("user")),
                    new User("bob", "$2a$04$" + "a".repeat(53), List.of("user"))));
            UserStore users = UserStore.open(usersFile);
            auditFile = dir.resolve("audit.log");
            audit = own(AuditLog.open(auditFile, clock));
            shared = own(new LocalState(RevocationStore.open(dir.resolve("revocations.log"), clock),
                    Blocklist.open(dir.resolve("blocks.json"), clock), new RateLimiter(config.abuse().rateLimit(), clock), clock));
            IpGuard ips = new IpGuard(config.abuse().ipConnectRate(), config.abuse().maxPendingPerIp(),
                    config.abuse().ipAuthFailures(), config.abuse().ipBanDuration(), new AddressPrefix(32, 64), clock);
            heap = own(new HeapAfterGc());
            Metrics metrics = new Metrics(heap);
            SessionRegistry sessions = new SessionRegistry();
            abuse = new AbuseGuard(config.abuse(), shared, sessions, ips, audit, clock, metrics);
            JwtSecret secret = JwtSecret.fromText(SECRET);
            issuer = new TokenIssuer(secret, auth.issuer(), auth.tokenTtl(), clock);
            verifier = new TokenVerifier(secret, auth.issuer(), auth.clockLeeway(), clock);
            MessageCodec codec = new MessageCodec();
            RoomService rooms = new RoomService(RoomPolicy.of(RoomPolicy.Default.ALLOW), codec, clock,
                    config.rooms().maxPerConnection(), shared, "test", Duration.ofSeconds(5));
            shared.listenToRooms(rooms);
            lifecycle = new SessionLifecycle(verifier, shared, sessions, users, abuse, codec, audit, scheduler, clock,
                    auth.expiryWarning(), auth.clockLeeway());
            shared.listenToSecurity(new SecurityEvents(lifecycle, abuse));
            tickets = new TicketStore(shared, new SecureRandom(), clock, auth.ticketTtl());
            fernet = new Fernet(config.encryption().fernetKeys().stream().map(FernetKey::parse).toList(),
                    new SecureRandom(), clock);
            gate = new Gatekeeper(codec, verifier, audit, rooms, abuse, lifecycle, tickets, auth.allows("ticket"),
                    fernet, config.encryption().fernetTtl().isZero() ? null : config.encryption().fernetTtl(), scheduler,
                    auth.timeout(), metrics);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.add(resource);
        return resource;
    }

    void writeUsers(List<User> users) throws IOException {
        UserStore.write(usersFile, users);
        // The store reloads on a changed modification time; a rewrite within the same tick must still count.
        Files.setLastModifiedTime(usersFile, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(users.size())));
    }

    /** A token of the built-in issuer for {@code user}, as {@code POST /auth/login} would give it. */
    String token(String user) {
        return issuer.issue(new User(user, "x", List.of("user"))).token();
    }

    /** A connection whose upgrade just finished: its auth deadline runs. */
    Peer open() {
        return open("192.0.2." + (++connections % 250 + 1));
    }

    Peer open(String ip) {
        RecordingConnection connection = new RecordingConnection(ip);
        Session session = new Session("t" + (++connections), connection);
        gate.opened(session);
        return new Peer(session, connection);
    }

    /** Every audit event so far. */
    List<JsonNode> audit() throws IOException {
        audit.flush();
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(auditFile)) {
            events.add(JSON.readTree(line));
        }
        return events;
    }

    /** One client of the gate: what it sends goes through the gate as the socket would hand it over. */
    final class Peer {
        final Session session;
        final RecordingConnection connection;
        private int read;

        Peer(Session session, RecordingConnection connection) {
            this.session = session;
            this.connection = connection;
        }

        Peer send(String text) {
            gate.text(session, text);
            return this;
        }

        Peer sendBinary() {
            gate.binary(session);
            return this;
        }

        Peer auth(String token) {
            return send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
        }

        /** A peer past the gate as {@code user}, its auth_ok read. */
        Peer authenticated(String user) {
            auth(token(user));
            if (!next().path("type").asText().equals("auth_ok")) {
                throw new AssertionError("no auth_ok: " + connection.sent());
            }
            return this;
        }

        /** The next message the server sent that this test has not read yet. */
        JsonNode next() {
            List<String> sent = connection.sent();
            if (read >= sent.size()) {
                throw new AssertionError("nothing more was sent; all: " + sent);
            }
            try {
                return JSON.readTree(sent.get(read++));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** How many messages were sent that this test has not read. */
        int unread() {
            return connection.sent().size() - read;
        }

        /** The socket's close callback, as after the closing handshake. */
        void closed(int code, String reason, boolean byClient) {
            gate.closed(session, code, reason, byClient);
        }
    }

    @Override
    public void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }
}
