package dev.portcullis.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 request written byte for byte on a fresh socket, for what the JDK's HttpClient will not send
 * (a chosen {@code Host}, none, two) or will not send from (another loopback source address).
 */
public final class RawHttp {
    private static final int TIMEOUT_MILLIS = 10_000;

    /** The status line's code, the header block as sent, and the body. */
    public record Answer(int status, String head, String body) {
        /** The first value of header {@code name}, or empty. */
        public String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(l -> l.substring(prefix.length()).strip()).findFirst().orElse("");
        }
    }

    private RawHttp() {
    }

    /** Sends {@code request} (the whole text, CRLFs included) from {@code from} and reads the answer. */
    public static Answer send(String from, int port, String request) {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return read(s.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code request} on an open connection and reads the answer, leaving the connection open. */
    public static Answer over(Socket s, String request) {
        try {
            s.setSoTimeout(TIMEOUT_MILLIS);
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return read(s.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code GET path} from 127.0.0.1 with the given header lines (each ending in CRLF), and no others. */
    public static Answer get(int port, String path, String headerLines) {
        return send("127.0.0.1", port, "GET " + path + " HTTP/1.1\r\n" + headerLines + "Connection: close\r\n\r\n");
    }

    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the end of the headers: " + head);
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        Answer headOnly = new Answer(Integer.parseInt(text.substring(9, 12)), text, "");
        String length = headOnly.header("Content-Length");
        byte[] body = length.isEmpty() ? new byte[0] : in.readNBytes(Integer.parseInt(length));
        return new Answer(headOnly.status(), text, new String(body, StandardCharsets.UTF_8));
    }
}
