package dev.portcullis.hostile;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose WebSocket listener dies must say so and exit, never live on half dead (protocol.md §7.2).
 * The fatal error is a real one: Java-WebSocket closes its listening socket for good when an accept fails,
 * which running out of file descriptors causes, so the server runs under a small open-file limit and the
 * test takes every descriptor it has left before one more WebSocket connection arrives.
 */
class ListenerDeathTest {
    /** Enough for the JVM, its jars and both listeners, and little more. */
    private static final int MAX_OPEN_FILES = 160;

    @TempDir
    Path dir;
    SmallHeapServer server;
    final List<Socket> held = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : held) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static long openFiles(Path fds) throws IOException {
        try (var list = Files.list(fds)) {
            return list.count();
        }
    }

    @Test
    @DisplayName("§7.2: a WebSocket listener that dies turns /healthz to 503 and the process exits with status 70")
    void deadListenerFailsLoudly() throws Exception {
        server = SmallHeapServer.start(dir, MAX_OPEN_FILES);
        assertTrue(server.stderr().contains("capped at"), "the connection cap did not follow the open-file limit");
        // This client keeps its one connection to the HTTP API, which needs no new descriptor on the server.
        assertEquals(200, server.get("/healthz").statusCode());
        // Idle connections to the HTTP API, which takes as many as the process can open, from addresses of
        // their own, until the server has no descriptor left.
        Path fds = Path.of("/proc", Long.toString(server.process().pid()), "fd");
        int httpPort = server.httpUri("").getPort();
        for (int n = 0; openFiles(fds) < MAX_OPEN_FILES && n < 4 * MAX_OPEN_FILES; n++) {
            Socket s = new Socket();
            s.bind(new InetSocketAddress("127.0.0." + (2 + n / 16), 0));
            s.connect(new InetSocketAddress("127.0.0.1", httpPort));
            held.add(s);
        }
        await().until(() -> openFiles(fds) >= MAX_OPEN_FILES);
        // One WebSocket connection now: its accept fails, and the library closes the listening socket.
        held.add(new Socket("127.0.0.1", server.wsPort()));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Socket probe = new Socket("127.0.0.1", server.wsPort())) {
                return false;
            } catch (ConnectException refused) {
                return true;
            }
        });
        for (Socket s : held) {
            s.close();
        }
        HttpResponse<String> health = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> server.get("/healthz"), r -> r.statusCode() == 503);
        assertEquals("{\"status\":\"failed\"}", health.body().strip());
        await().atMost(Duration.ofSeconds(15)).until(() -> !server.process().isAlive());
        assertEquals(70, server.process().exitValue());
        assertTrue(server.stderr().contains("FATAL: the WebSocket listener closed its listening socket"), server.stderr());
    }
}
