package dev.portcullis.bench;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * The ceiling Portcullis is measured against: a bare Java-WebSocket 1.6.0 server with no auth, no rooms
 * and no limits. A text message from a connection opened on {@value #BROADCAST_PATH} goes to every open
 * connection through the library's {@code broadcast}; any other text is echoed to its sender.
 * With {@code --sweep} (the harness's {@code --baseline-sweep}) its selected keys are swept as Portcullis's
 * are ({@link SweepingServerFactory}). Started by the harness in its own JVM with the same flags as Portcullis; prints
 * {@code baseline ready ws=ws://127.0.0.1:PORT} on stdout once it listens.
 */
public final class BaselineServer extends WebSocketServer {
    static final String BROADCAST_PATH = "/broadcast";
    /** The same accept backlog as Portcullis, so a burst of connects meets the same queue. */
    private static final int ACCEPT_BACKLOG = 1024;

    private final CountDownLatch started = new CountDownLatch(1);

    private BaselineServer(InetSocketAddress address) {
        super(address);
        setReuseAddr(true);
        setTcpNoDelay(true); // as Portcullis does
        setMaxPendingConnections(ACCEPT_BACKLOG);
    }

    public static void main(String[] args) throws InterruptedException {
        int port = args.length >= 2 && args[0].equals("--port") ? Integer.parseInt(args[1]) : 0;
        BaselineServer server = new BaselineServer(new InetSocketAddress("127.0.0.1", port));
        if (List.of(args).contains("--sweep")) {
            // The control of --baseline-sweep: without the library's stale selected keys, like Portcullis.
            server.setWebSocketFactory(new SweepingServerFactory());
        }
        server.start();
        if (!server.started.await(30, TimeUnit.SECONDS)) {
            System.err.println("baseline: listener did not start");
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown"));
        System.out.println("baseline ready ws=ws://127.0.0.1:" + server.getPort());
        System.out.flush();
        Thread.currentThread().join(); // until SIGTERM
    }

    @Override
    public void onStart() {
        started.countDown();
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        conn.setAttachment(BROADCAST_PATH.equals(handshake.getResourceDescriptor()));
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        if (Boolean.TRUE.equals(conn.getAttachment())) {
            broadcast(message);
        } else {
            conn.send(message);
        }
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        // nothing to clean up
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        if (conn == null) {
            System.err.println("baseline: listener failed: " + ex);
        }
    }
}
