package dev.portcullis.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.auth.PasswordHasher;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.config.CommandLine;
import dev.portcullis.config.Config;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.room.RoomService;
import dev.portcullis.server.Portcullis;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Portcullis on ephemeral ports with a temporary data dir, four users (alice and bob: user,
 * carol: user and staff, root: admin; all with password {@link #PASSWORD}), a known secret and a
 * {@link MutableClock}. Extra arguments
 * override the test defaults, as flags do for an operator.
 */
public final class TestServer implements AutoCloseable {
    public static final String PASSWORD = "correct horse battery staple";
    /** Known to tests so they can forge, expire and mis-issue tokens; 40 bytes. */
    public static final String SECRET = "test-secret-0123456789-abcdefghijklmnopq";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Hashing at cost 4 once per JVM keeps every test server fast to start. */
    private static final String PASSWORD_HASH = new PasswordHasher(new SecureRandom()).hash(PASSWORD, 4);

    private final Portcullis server;
    private final Path dataDir;
    private final MutableClock clock;
    private final HttpClient http = HttpClient.newHttpClient();

    private TestServer(Portcullis server, Path dataDir, MutableClock clock) {
        this.server = server;
        this.dataDir = dataDir;
        this.clock = clock;
    }

    public static TestServer start(Path dataDir, String... extraArgs) {
        return start(dataDir, MutableClock.atNow(), extraArgs);
    }

    /**
     * A server on {@code clock}: a restarted server given its predecessor's clock sees no time pass, so
     * state kept by time (a rate bucket in Redis, token ends) is where the first one left it.
     */
    public static TestServer start(Path dataDir, MutableClock clock, String... extraArgs) {
        try {
            Files.createDirectories(dataDir);
            Path users = dataDir.resolve("users.json");
            UserStore.write(users, List.of(
                    new User("alice", PASSWORD_HASH, List.of("user")),
                    new User("bob", PASSWORD_HASH, List.of("user")),
                    new User("carol", PASSWORD_HASH, List.of("user", "staff")),
                    new User("root", PASSWORD_HASH, List.of("admin"))));
            Path secret = dataDir.resolve("secret.txt");
            Files.writeString(secret, SECRET + "\n");
            List<String> args = new ArrayList<>(List.of(
                    "--data-dir", dataDir.toString(),
                    "--ws-port", "0", "--http-port", "0",
                    "--users", users.toString(),
                    "--jwt-secret-file", secret.toString(),
                    "--bcrypt-cost", "4",
                    // Far beyond a loaded machine's connect and login; the tests of the deadline set their own.
                    "--auth-timeout", "10s",
                    // Tests of other features open many connections from one address; abuse tests turn these on.
                    "--rate-limit", "off", "--block-after", "off", "--ip-connect-rate", "off",
                    "--max-pending-per-ip", "off", "--ip-auth-failures", "off", "--login-failures-per-user", "off",
                    "--login-failures-per-ip", "off", "--max-connections", "off",
                    "--max-pending-connections", "off"));
            args.addAll(List.of(extraArgs));
            Config config = new ConfigLoader(Map.of()).load(CommandLine.parse(args.toArray(String[]::new)).flags());
            // The users file is given, so nothing is printed for the operator.
            Portcullis server = Portcullis.start(config, clock, new SecureRandom(),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            return new TestServer(server, dataDir, clock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public MutableClock clock() {
        return clock;
    }

    public HttpClient http() {
        return http;
    }

    public Path dataDir() {
        return dataDir;
    }

    public URI wsUri() {
        return URI.create("ws://127.0.0.1:" + server.wsPort() + "/");
    }

    public URI httpUri(String path) {
        return URI.create("http://127.0.0.1:" + server.httpPort() + path);
    }

    public int wsPort() {
        return server.wsPort();
    }

    public RoomService rooms() {
        return server.rooms();
    }

    public RecordingClient connect() {
        return RecordingClient.connect(http, wsUri());
    }

    /** Logs in over HTTP and returns the access token; fails the test unless the answer is 200. */
    public String login(String username, String password) {
        HttpResponse<String> r = post("/auth/login",
                JSON.createObjectNode().put("username", username).put("password", password).toString());
        assertEquals(200, r.statusCode(), r.body());
        return json(r.body()).get("access_token").asText();
    }

    public HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(httpUri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A connection that has passed the gate as {@code username}. */
    public RecordingClient authenticated(String username) {
        return authenticatedWith(login(username, PASSWORD));
    }

    /** A connection that has passed the gate with {@code token}. */
    public RecordingClient authenticatedWith(String token) {
        RecordingClient c = connect().auth(token);
        c.awaitMessage("auth_ok");
        return c;
    }

    /** A raw-socket connection that has passed the gate as {@code username}, for misbehaving on purpose. */
    public RawClient rawAuthenticated(String username, int receiveBuffer) {
        RawClient c = RawClient.connect(wsPort(), receiveBuffer);
        c.sendText(JSON.createObjectNode().put("type", "auth").put("token", login(username, PASSWORD)).toString());
        assertEquals("auth_ok", json(c.readText()).get("type").asText());
        return c;
    }

    /** The audit log so far, one parsed object per line. */
    public List<JsonNode> auditEvents() {
        try {
            // Events are written by a thread of their own; wait until those recorded so far are in the file.
            server.audit().flush();
            Path file = dataDir.resolve("audit.log");
            List<JsonNode> events = new ArrayList<>();
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    events.add(json(line));
                }
            }
            return events;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String auditText() {
        try {
            server.audit().flush();
            Path file = dataDir.resolve("audit.log");
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
