package dev.portcullis.websocket;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.limit.AddressPrefix;
import dev.portcullis.limit.IpGuard;
import dev.portcullis.limit.RateSpec;
import dev.portcullis.testing.RawClient;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The selector's selected-key set is emptied after a pass with a read ({@link SelectedKeySweep}), and no
 * frame is lost or left unwritten because of it. A bare Java-WebSocket server with the gate's socket
 * factory and, as in production, its {@link WriteNudger} (the library's own lost write wake-up is not what
 * this test is about), driven by real sockets: "all" sends a line to every connection (writes without
 * reads, which is what leaves keys behind), anything else is echoed.
 */
class SelectedKeySweepTest {
    private static final int CLIENTS = 50;

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final List<RawClient> clients = new ArrayList<>();
    private CountingSocketFactory factory;
    private WebSocketServer server;

    @AfterEach
    void stop() throws InterruptedException {
        clients.forEach(RawClient::close);
        if (server != null) {
            server.stop(1000);
        }
        scheduler.shutdownNow();
    }

    private int start() throws Exception {
        RateSpec off = RateSpec.parse("off");
        factory = new CountingSocketFactory(scheduler, Duration.ofSeconds(5),
                new IpGuard(off, 0, off, Duration.ofMinutes(1), new AddressPrefix(32, 64), Clock.systemUTC()),
                new PendingConnections<>(0, socket -> { }, Runnable::run), null, null);
        CompletableFuture<Integer> started = new CompletableFuture<>();
        server = new WebSocketServer(new InetSocketAddress("127.0.0.1", 0)) {
            private final WriteNudger nudger = new WriteNudger(this::onWriteDemand);

            private void send(WebSocket conn, String text) {
                conn.send(text);
                nudger.queued((CountingSocketFactory.CountingSocket) conn);
            }

            @Override
            public void onOpen(WebSocket conn, ClientHandshake handshake) {
            }

            @Override
            public void onClose(WebSocket conn, int code, String reason, boolean remote) {
            }

            @Override
            public void onMessage(WebSocket conn, String message) {
                if (message.equals("all")) {
                    getConnections().forEach(c -> send(c, "to all"));
                } else {
                    send(conn, message);
                }
            }

            @Override
            public void onError(WebSocket conn, Exception ex) {
                if (conn == null) {
                    started.completeExceptionally(ex);
                }
            }

            @Override
            public void onStart() {
                scheduler.scheduleWithFixedDelay(nudger::pass, WriteNudger.PERIOD_MILLIS, WriteNudger.PERIOD_MILLIS,
                        TimeUnit.MILLISECONDS);
                started.complete(getPort());
            }
        };
        server.setWebSocketFactory(factory);
        server.start();
        return started.get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("keys left selected by writes are removed at the next read, and every frame still arrives")
    void staleKeysRemovedNothingLost() throws Exception {
        int port = start();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(RawClient.connect(port));
        }
        RawClient first = clients.get(0);
        // Counted from here: whichever pass with a read comes first after the writes below sweeps their keys.
        long before = factory.sweptKeys();
        first.sendText("all");
        for (RawClient c : clients) {
            assertEquals("to all", c.readText());
        }
        // The other connections were only written to: their keys stay selected until a pass with a read.
        first.sendText("echo");
        assertEquals("echo", first.readText());
        await().atMost(Duration.ofSeconds(5)).until(() -> factory.sweptKeys() - before >= CLIENTS - 1);

        // Interleaved writes and reads on every connection: nothing stuck, nothing lost, in order.
        for (int round = 0; round < 20; round++) {
            first.sendText("all");
            for (RawClient c : clients) {
                c.sendText("r" + round);
            }
            for (RawClient c : clients) {
                List<String> got = List.of(c.readText(), c.readText());
                assertTrue(got.contains("to all") && got.contains("r" + round), c + " got " + got);
            }
        }
    }
}
