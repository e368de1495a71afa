import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.*;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.*;
import java.util.regex.*;

/** Portcullis v1 client. Dependency-free, so JSON is handled by hand; real clients use a JSON library. */
public class Client {
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3 || System.getenv("PORTCULLIS_PASSWORD") == null) {
            System.err.println("usage: PORTCULLIS_PASSWORD=... java Client.java USER [HTTP_BASE] [WS_URL]");
            System.exit(2);
        }
        String httpBase = args.length > 1 ? args[1] : "http://127.0.0.1:8081";
        String wsUrl = args.length > 2 ? args[2] : "ws://127.0.0.1:8080/";
        HttpClient http = HttpClient.newHttpClient();

        // 1. POST /auth/login (§7.1); on 503 wait Retry-After and try again, a few times.
        String body = "{\"username\":" + quote(args[0]) + ",\"password\":" + quote(System.getenv("PORTCULLIS_PASSWORD")) + "}";
        HttpRequest login = HttpRequest.newBuilder(URI.create(httpBase + "/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = http.send(login, HttpResponse.BodyHandlers.ofString());
        for (int attempt = 1; response.statusCode() == 503 && attempt <= 3; attempt++) {
            Thread.sleep(1000 * Long.parseLong(response.headers().firstValue("Retry-After").orElse("1")));
            response = http.send(login, HttpResponse.BodyHandlers.ofString());
        }
        if (response.statusCode() != 200) {
            System.err.println("login failed: HTTP " + response.statusCode() + " " + response.body().strip());
            System.exit(1);
        }
        String token = field(response.body(), "access_token");

        // 2. Open the WebSocket; 3. send auth first (§4.1); 4. print every message, auth_ok (§4.2) included.
        CompletableFuture<Void> authOk = new CompletableFuture<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder parts = new StringBuilder();
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                parts.append(data);
                if (last) {
                    String message = parts.toString();
                    parts.setLength(0);
                    System.out.println(message); // every message, one per line; unknown types included
                    if (field(message, "type").equals("auth_ok")) {
                        authOk.complete(null);
                    }
                }
                ws.request(1);
                return null;
            }
            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                System.err.println("closed: " + code + " " + reason
                        + (code == WebSocket.NORMAL_CLOSURE ? "" : " (what to do: protocol.md §6)"));
                closed.complete(code); // returning null echoes the close
                return null;
            }
            @Override
            public void onError(WebSocket ws, Throwable error) {
                closed.completeExceptionally(error); // 1006: the connection ended without a close frame
            }
        };
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), listener).join();
        ws.sendText("{\"type\":\"auth\",\"token\":" + quote(token) + "}", true).join();

        // 5. After auth_ok, send each non-blank line of stdin as one text frame, e.g.
        //    {"type":"join","room":"lobby"}  then  {"type":"message","room":"lobby","payload":"hi"}
        //    At the end of stdin, close with 1000 and wait for the server's close.
        Thread stdin = new Thread(() -> {
            try {
                authOk.join();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isBlank()) {
                        ws.sendText(line, true).join(); // one send at a time: the JDK refuses overlapping sends
                    }
                }
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
                closed.orTimeout(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the connection closed first; main reports how
            }
        });
        stdin.setDaemon(true);
        stdin.start();

        int code;
        try {
            code = closed.get();
        } catch (ExecutionException e) {
            System.err.println("connection lost: " + e.getCause() + " (1006, what to do: protocol.md §6)");
            code = 1006;
        }
        System.exit(code == WebSocket.NORMAL_CLOSURE ? 0 : 1);
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            b.append(c == '"' || c == '\\' ? "\\" + c : c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.append('"').toString();
    }

    /** The first string field called {@code name}: the top-level one, as the server writes "type" first. */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"\\\\]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no string field '" + name + "' in " + json);
        }
        return m.group(1);
    }
}
