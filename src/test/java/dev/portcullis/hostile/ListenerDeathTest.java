package dev.portcullis.hostile;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.testing.RawClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose WebSocket listener dies must say so and exit, never live on half dead (protocol.md §7.2).
 * The fatal error is a real one: Java-WebSocket closes its listening socket for good when an accept fails,
 * which running out of file descriptors causes. The caps keep a flood from getting there (the open-file
 * limit bounds them), so the test lowers the limit of the running server under what it already holds, as
 * a leak elsewhere in the process would, and connects once more.
 */
class ListenerDeathTest {
    @TempDir
    Path dir;
    SmallHeapServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static long openFiles(long pid) throws IOException {
        try (var list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return list.count();
        }
    }

    /** Sets the soft open-file limit of process {@code pid} (the one that counts) with util-linux's prlimit. */
    private static void limitOpenFiles(long pid, long max) throws Exception {
        Process p = new ProcessBuilder("prlimit", "--pid", Long.toString(pid), "--nofile=" + max + ":")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "prlimit failed: " + out);
    }

    @Test
    @DisplayName("§7.2: a WebSocket listener that dies turns /healthz to 503 and the process exits with status 70")
    void deadListenerFailsLoudly() throws Exception {
        server = SmallHeapServer.start(dir, 0);
        // This client keeps its one connection to the HTTP API, which needs no new descriptor on the server.
        assertEquals(200, server.get("/healthz").statusCode());
        // One connection first, so the classes a connection needs are loaded while files can still be opened.
        try (RawClient warm = RawClient.connect(server.wsPort())) {
            warm.sendText("{}");
            assertEquals(1008, warm.readUntilClose().closeCode());
        }
        long pid = server.process().pid();
        limitOpenFiles(pid, openFiles(pid));
        // One WebSocket connection now: its accept fails, and the library closes the listening socket.
        try (Socket attempt = new Socket("127.0.0.1", server.wsPort())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (Socket probe = new Socket("127.0.0.1", server.wsPort())) {
                    return false;
                } catch (ConnectException refused) {
                    return true;
                }
            });
        }
        HttpResponse<String> health = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> server.get("/healthz"), r -> r.statusCode() == 503);
        assertEquals("{\"status\":\"failed\"}", health.body().strip());
        // Descriptors again, so that the process can stop as it means to.
        limitOpenFiles(pid, 1024);
        await().atMost(Duration.ofSeconds(15)).until(() -> !server.process().isAlive());
        assertEquals(70, server.process().exitValue());
        // Which part notices first depends on the instant: the failed accept, or a class the selector then loads.
        assertTrue(server.stderr().contains("FATAL: the WebSocket listener closed its listening socket")
                || server.stderr().contains("FATAL: thread WebSocketSelector"), server.stderr());
    }
}
