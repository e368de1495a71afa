package dev.portcullis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.config.CommandLine;
import dev.portcullis.config.Config;
import dev.portcullis.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * First start is all or nothing (README, Users and secrets): the generated admin password is shown only
 * once both listeners are up, and a start that fails keeps no users file whose password nobody saw.
 */
@DisplayName("First start")
class FirstStartTest {
    private static final Pattern PASSWORD = Pattern.compile("password: (\\S+)");

    @TempDir
    Path dir;

    /** What one start printed for the operator, and the server if it started. */
    private record Start(Portcullis server, String console) {
    }

    private Start start(String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.toString(), "--ws-port", "0", "--http-port", "0",
                "--bcrypt-cost", "4"));
        args.addAll(List.of(extraArgs));
        Config config = new ConfigLoader(Map.of()).load(CommandLine.parse(args.toArray(String[]::new)).flags());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream console = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Portcullis server = Portcullis.start(config, Clock.systemUTC(), new SecureRandom(), console);
            return new Start(server, bytes.toString(StandardCharsets.UTF_8));
        }
    }

    /** Starts, expecting a failure; returns what reached the console meanwhile. */
    private String failedStart(Class<? extends Exception> expected, String... extraArgs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.toString(), "--ws-port", "0", "--http-port", "0",
                "--bcrypt-cost", "4"));
        args.addAll(List.of(extraArgs));
        Config config = new ConfigLoader(Map.of()).load(CommandLine.parse(args.toArray(String[]::new)).flags());
        try (PrintStream console = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            assertThrows(expected, () -> Portcullis.start(config, Clock.systemUTC(), new SecureRandom(), console)
                    .close(), "the start should have failed");
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private Path rooms(String text) throws IOException {
        Path file = dir.resolve("rooms.json");
        Files.writeString(file, text);
        return file;
    }

    @Test
    @DisplayName("a first start with a bad rooms file shows no password and keeps no users file; the next start shows one")
    void badRoomsFile() throws Exception {
        String console = failedStart(IllegalArgumentException.class, "--rooms", rooms("{not json").toString());
        assertFalse(PASSWORD.matcher(console).find(), "a password was shown by a start that failed:\n" + console);
        assertFalse(Files.exists(dir.resolve("users.json")), "the failed start kept a users file nobody knows the password of");
        // Kept on purpose: never shown, so nothing the operator missed; the next start reuses it.
        assertTrue(Files.exists(dir.resolve("jwt-secret")));

        Start good = start();
        try (Portcullis server = good.server()) {
            List<String> shown = PASSWORD.matcher(good.console()).results().map(m -> m.group(1)).toList();
            assertEquals(1, shown.size(), "the next start must show one password, once:\n" + good.console());
            assertEquals(200, login(server.httpPort(), shown.get(0)));
            // The hint must work as printed: run.sh finds target/portcullis.jar, --users names this very file.
            assertTrue(good.console().contains("./run.sh add-user admin --role admin --users " + dir.resolve("users.json")),
                    good.console());
        }
    }

    @Test
    @DisplayName("a first start whose HTTP port is taken fails after the WebSocket listener is up, and shows no password")
    void httpPortInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String console = failedStart(IOException.class, "--http-port", Integer.toString(taken.getLocalPort()));
            assertFalse(PASSWORD.matcher(console).find(), "a password was shown by a start that failed:\n" + console);
            assertFalse(Files.exists(dir.resolve("users.json")));
        }
        Start good = start();
        try (Portcullis server = good.server()) {
            assertTrue(PASSWORD.matcher(good.console()).find(), good.console());
        }
    }

    @Test
    @DisplayName("a failed later start leaves the existing users file alone, and the first password still logs in")
    void failedLaterStartKeepsUsers() throws Exception {
        String password;
        Start first = start();
        try (Portcullis server = first.server()) {
            Matcher pw = PASSWORD.matcher(first.console());
            assertTrue(pw.find(), first.console());
            password = pw.group(1);
        }
        String console = failedStart(IllegalArgumentException.class, "--rooms", rooms("{not json").toString());
        assertFalse(PASSWORD.matcher(console).find(), console);
        assertTrue(Files.exists(dir.resolve("users.json")), "a failed start removed a users file it had not created");

        Start again = start();
        try (Portcullis server = again.server()) {
            assertFalse(PASSWORD.matcher(again.console()).find(), "a later start must not make another admin");
            assertEquals(200, login(server.httpPort(), password));
        }
    }

    private static int login(int port, String password) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/auth/login"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"admin\",\"password\":\"" + password + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }
}
