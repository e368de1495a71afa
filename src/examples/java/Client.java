import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A minimal Portcullis client on the JDK alone (protocol.md §9). Run without a build:
 *
 *   java Client.java ws://127.0.0.1:8080/ "$TOKEN"
 *
 * It sends the auth message as soon as the socket opens, prints every message it receives, sends each
 * line typed on stdin as one text frame, and exits when the server closes the connection.
 */
public class Client {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java Client.java WS_URL TOKEN");
            System.exit(2);
        }
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(args[0]), new Listener(closed))
                .join();
        // The first message must be auth, sent at once: the server closes silent sockets (protocol.md §4.1).
        String auth = "{\"type\":\"auth\",\"token\":\"" + args[1].replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        ws.sendText(auth, true).join();

        Thread stdin = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null && !closed.isDone(); ) {
                    if (!line.isBlank()) {
                        ws.sendText(line, true).join();
                    }
                }
                if (!closed.isDone()) {
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
                }
            } catch (Exception e) {
                // the socket closed while we were typing
            }
        });
        stdin.setDaemon(true);
        stdin.start();
        System.err.println("closed: " + closed.join());
    }

    /** Prints whole messages; the JDK may deliver one message in several parts. */
    static final class Listener implements WebSocket.Listener {
        private final CompletableFuture<String> closed;
        private final StringBuilder partial = new StringBuilder();

        Listener(CompletableFuture<String> closed) {
            this.closed = closed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                System.out.println("<- " + partial);
                partial.setLength(0);
            }
            ws.request(1); // ask for the next message, or none will come
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closed.complete(code + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete("error: " + error);
        }
    }
}
