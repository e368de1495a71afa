package dev.portcullis.server;

import static dev.portcullis.testing.Clients.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.auth.PasswordHasher;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.client.ConnectionClosedException;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.ServerProcess;
import dev.portcullis.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At {@code --log-level trace}, the most verbose setting, a whole session leaves no credential in any log.
 * A process of its own, since the logging binding reads its level once per JVM.
 */
class TraceLoggingTest {
    private static final String PASSWORD = "trace-test-password-42";
    private static final String SECRET = "trace-test-secret-0123456789-abcdefghijkl";

    @TempDir
    Path dir;

    @Test
    @DisplayName("§3: at trace level no password, token, signature or secret reaches stderr or the audit log")
    void noCredentialsAtTrace() throws Exception {
        Path users = dir.resolve("users.json");
        UserStore.write(users, List.of(new User("alice", new PasswordHasher(new SecureRandom()).hash(PASSWORD, 4), List.of("user"))));
        Path secret = dir.resolve("secret");
        Files.writeString(secret, SECRET);
        HttpClient http = HttpClient.newHttpClient();
        String token;
        try (ServerProcess p = new ServerProcess(dir, "--log-level", "trace", "--users", users.toString(),
                "--jwt-secret-file", secret.toString())) {
            Matcher ready = p.awaitReady();
            URI login = URI.create("http://127.0.0.1:" + ready.group(2) + "/auth/login");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(login)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"alice\",\"password\":\"" + PASSWORD + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            token = TestServer.json(r.body()).get("access_token").asText();
            http.send(HttpRequest.newBuilder(login)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"alice\",\"password\":\"" + PASSWORD + "x\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            URI ws = URI.create("ws://127.0.0.1:" + ready.group(1) + "/");
            String good = token;
            try (PortcullisClient c = PortcullisClient.builder().wsUri(ws).tokenSupplier(() -> good).build()) {
                c.connect();
                get(c.join("r"));
                get(c.send("r", "\"hello\"", null));
            }
            String forged = token.substring(0, token.length() - 2) + "xx";
            ConnectionClosedException refused = Clients.refusedAtGate(PortcullisClient.builder().wsUri(ws).tokenSupplier(() -> forged));
            assertEquals("Invalid token", refused.reason());
            p.close();
            String logs = p.stderr() + Files.readString(dir.resolve("audit.log"));
            assertTrue(logs.contains("DEBUG") || logs.contains("TRACE"), "the server did not log verbosely");
            for (String credential : List.of(PASSWORD, token, token.split("\\.")[2], token.split("\\.")[1], SECRET)) {
                assertFalse(logs.contains(credential), "a credential reached the logs");
            }
        }
    }
}
