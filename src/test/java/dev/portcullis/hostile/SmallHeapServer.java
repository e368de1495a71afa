package dev.portcullis.hostile;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.auth.PasswordHasher;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.testing.ServerProcess;
import dev.portcullis.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;

/**
 * Portcullis as an operator runs it, in a JVM of its own with a small heap ({@value #HEAP}), so an attack
 * that makes it hold memory without bound ends in an OutOfMemoryError a test can see. Users alice, bob and
 * mallory share {@link TestServer#PASSWORD}; the audit log and {@code /metrics} are there to read.
 */
final class SmallHeapServer implements AutoCloseable {
    static final String HEAP = "-Xmx96m";
    private static final String SECRET = "hostile-load-secret-0123456789-abcdefghij";

    private final ServerProcess process;
    private final Path dataDir;
    private final int wsPort;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SmallHeapServer(ServerProcess process, Path dataDir) {
        this.process = process;
        this.dataDir = dataDir;
        Matcher ready = process.awaitReady();
        this.wsPort = Integer.parseInt(ready.group(1));
        this.httpPort = Integer.parseInt(ready.group(2));
    }

    /** Starts with the defaults but for {@code extraArgs}; {@code maxOpenFiles} &gt; 0 sets that limit. */
    static SmallHeapServer start(Path dir, int maxOpenFiles, String... extraArgs) {
        return start(dir, maxOpenFiles, 4, extraArgs);
    }

    /** As {@link #start(Path, int, String...)}, with the users' passwords hashed at {@code bcryptCost}. */
    static SmallHeapServer start(Path dir, int maxOpenFiles, int bcryptCost, String... extraArgs) {
        try {
            Path users = dir.resolve("users.json");
            String hash = new PasswordHasher(new SecureRandom()).hash(TestServer.PASSWORD, bcryptCost);
            UserStore.write(users, List.of(new User("alice", hash, List.of("user")), new User("bob", hash, List.of("user")),
                    new User("mallory", hash, List.of("user"))));
            Path secret = dir.resolve("secret");
            Files.writeString(secret, SECRET);
            Path dataDir = dir.resolve("data");
            List<String> args = new ArrayList<>(List.of("--users", users.toString(), "--jwt-secret-file", secret.toString()));
            args.addAll(List.of(extraArgs));
            return new SmallHeapServer(new ServerProcess(List.of(HEAP), maxOpenFiles, dataDir, args.toArray(String[]::new)),
                    dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int httpPort() {
        return httpPort;
    }

    int wsPort() {
        return wsPort;
    }

    URI wsUri() {
        return URI.create("ws://127.0.0.1:" + wsPort + "/");
    }

    URI httpUri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    Process process() {
        return process.process();
    }

    String stderr() {
        return process.stderr();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(httpUri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Every unlabelled sample of {@code GET /metrics}, by name. */
    Map<String, Double> metrics() {
        try {
            Map<String, Double> values = new TreeMap<>();
            for (String line : get("/metrics").body().split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    int space = line.lastIndexOf(' ');
                    values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                }
            }
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The audit log's {@code ws_close} events from {@code ip}, once {@code count} of them are there. */
    List<JsonNode> closesFrom(String ip, int count) {
        List<JsonNode> closes = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            closes.clear();
            Path file = dataDir.resolve("audit.log");
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    JsonNode event = TestServer.json(line);
                    if (event.path("event").asText().equals("ws_close") && event.path("remote").asText().startsWith(ip + ":")) {
                        closes.add(event);
                    }
                }
            }
            return closes.size() >= count;
        });
        return closes;
    }

    @Override
    public void close() {
        process.close();
    }
}
