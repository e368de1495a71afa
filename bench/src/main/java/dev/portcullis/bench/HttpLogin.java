package dev.portcullis.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /auth/login} over a plain blocking socket, one request per connection: the smallest client
 * that can keep 50 logins in flight from 50 threads without a pool or a selector of its own.
 */
final class HttpLogin {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TIMEOUT_MILLIS = 30_000;

    record Answer(int status, String body) {
    }

    private HttpLogin() {
    }

    static Answer post(InetSocketAddress http, String username, String password) throws IOException {
        return post(http, null, username, password);
    }

    /** {@link #post(InetSocketAddress, String, String)} from the loopback address {@code from} (null: any). */
    static Answer post(InetSocketAddress http, String from, String username, String password) throws IOException {
        byte[] body = JSON.createObjectNode().put("username", username).put("password", password)
                .toString().getBytes(StandardCharsets.UTF_8);
        String head = "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1:" + http.getPort() + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        try (Socket s = new Socket()) {
            if (from != null) {
                s.bind(new InetSocketAddress(from, 0));
            }
            s.connect(http, TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            if (!response.startsWith("HTTP/1.1 ") || response.length() < 12) {
                throw new IOException("not an HTTP response: " + response.lines().findFirst().orElse(""));
            }
            int status = Integer.parseInt(response.substring(9, 12));
            int split = response.indexOf("\r\n\r\n");
            return new Answer(status, split < 0 ? "" : response.substring(split + 4));
        }
    }

    /** Logs in and returns the access token; anything but 200 is an error. */
    static String token(InetSocketAddress http, String username, String password) {
        try {
            Answer a = post(http, username, password);
            if (a.status() != 200) {
                throw new BenchException("login as " + username + " answered " + a.status() + ": " + a.body());
            }
            JsonNode token = JSON.readTree(a.body()).get("access_token");
            if (token == null || !token.isTextual()) {
                throw new BenchException("login answer without access_token: " + a.body());
            }
            return token.asText();
        } catch (IOException e) {
            throw new BenchException("login failed: " + e.getMessage(), e);
        }
    }
}
