package dev.portcullis.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.auth.PasswordHasher;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.testing.Servers;
import dev.portcullis.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * protocol.md §7.1 and §12.5: the bcrypt queue is shared fairly between client addresses (named here by
 * X-Forwarded-For from the trusted test client), so a flood of junk logins from a few addresses cannot keep
 * the login of another address out.
 */
class LoginQueueTest {
    private static final int JUNK_ADDRESSES = 5;
    private static final int JUNK_PER_ADDRESS = 18;

    @RegisterExtension
    final Servers servers = new Servers();

    private static HttpRequest login(TestServer server, String address, String user, String password) {
        return HttpRequest.newBuilder(server.httpUri("/auth/login"))
                .header("X-Forwarded-For", address)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}"))
                .build();
    }

    @Test
    @DisplayName("§7.1: 90 junk logins from 5 addresses get 503 past their share, and a correct admin login from a clean address gets 200")
    void junkCannotCrowdOutOthers() throws Exception {
        TestServer server = servers.start("--trust-forwarded-for", "127.0.0.1", "--login-threads", "1",
                "--login-queue", "64");
        slowHashes(server);
        List<CompletableFuture<HttpResponse<String>>> junk = new ArrayList<>();
        for (int i = 0; i < JUNK_ADDRESSES * JUNK_PER_ADDRESS; i++) {
            junk.add(server.http().sendAsync(login(server, "198.51.100." + (i % JUNK_ADDRESSES), "alice", "junk" + i),
                    HttpResponse.BodyHandlers.ofString()));
        }
        // The first refusal: the junk now holds every place it can get.
        CompletableFuture<Void> firstRefusal = new CompletableFuture<>();
        junk.forEach(f -> f.thenAccept(r -> {
            if (r.statusCode() == 503) {
                firstRefusal.complete(null);
            }
        }));
        firstRefusal.get(30, TimeUnit.SECONDS);
        HttpResponse<String> admin = server.send(login(server, "203.0.113.7", "root", TestServer.PASSWORD));
        assertEquals(200, admin.statusCode(), admin.body());

        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> f : junk) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            if (r.statusCode() == 503) {
                refused++;
                assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
                assertEquals("{\"error\":\"busy\",\"message\":\"too many logins in progress from this address;"
                        + " retry shortly\"}\n", r.body());
            } else {
                assertEquals(401, r.statusCode(), r.body());
            }
        }
        assertTrue(refused > 0, "no junk login was refused");
    }

    /** Cost-10 hashes for every user, so the junk queues up as it would against a production cost. */
    private static void slowHashes(TestServer server) throws Exception {
        Path file = server.dataDir().resolve("users.json");
        Map<String, User> users = UserStore.readIfExists(file);
        String hash = new PasswordHasher(new SecureRandom()).hash(TestServer.PASSWORD, 10);
        users.replaceAll((name, u) -> new User(name, hash, u.roles()));
        UserStore.write(file, users.values());
        // A rewrite within the file system's timestamp granularity must still read as a change.
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    }
}
