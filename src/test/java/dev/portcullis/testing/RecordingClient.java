package dev.portcullis.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client (the JDK's) that records every callback into a queue, so a test reads like the
 * transcripts in protocol.md: {@code send(..)}, {@code awaitMessage()}, {@code awaitClose(1008, "...")}.
 */
public final class RecordingClient implements WebSocket.Listener, AutoCloseable {
    /** Long enough for a loaded 2-core CI machine; a passing test never waits it out. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the client saw, in order. */
    public sealed interface Event permits Text, Closed, Failed {
    }

    public record Text(String text) implements Event {
    }

    public record Closed(int code, String reason) implements Event {
    }

    public record Failed(Throwable error) implements Event {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Only touched by the client's listener thread, which the JDK serialises. */
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    private RecordingClient() {
    }

    public static RecordingClient connect(HttpClient http, URI uri) {
        return connectAsync(http, uri).join();
    }

    public static CompletableFuture<RecordingClient> connectAsync(HttpClient http, URI uri) {
        RecordingClient client = new RecordingClient();
        return http.newWebSocketBuilder()
                .connectTimeout(TIMEOUT)
                .buildAsync(uri, client)
                .thenApply(ws -> {
                    client.socket = ws;
                    return client;
                });
    }

    public RecordingClient send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /**
     * Sends like {@link #send}, for a test that goes on sending while the server may close: false when the
     * write failed because the connection was closing or gone, which the test then proves with awaitClose.
     */
    public boolean sendUnlessClosed(String text) {
        try {
            socket.sendText(text, true).join();
            return true;
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException) {
                return false;
            }
            throw e;
        }
    }

    public RecordingClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** Sends {@code {"type":"auth","token":..}}. */
    public RecordingClient auth(String token) {
        return send(JSON.createObjectNode().put("type", "auth").put("token", token).toString());
    }

    public Event awaitEvent() {
        try {
            Event e = events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) {
                // The server runs in this JVM: show what every thread was doing when the answer did not come.
                Thread.getAllStackTraces().forEach((t, stack) -> {
                    System.out.println("THREAD " + t.getName() + " " + t.getState());
                    for (StackTraceElement frame : stack) {
                        System.out.println("    at " + frame);
                    }
                });
            }
            assertNotNull(e, "no event within " + TIMEOUT);
            return e;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /** The next event must be a text message; returns it exactly as it arrived. */
    public String awaitText() {
        Event e = awaitEvent();
        return assertInstanceOf(Text.class, e, "expected a message, got " + e).text();
    }

    /** The next event must be a text message; returns it parsed. */
    public JsonNode awaitMessage() {
        Event e = awaitEvent();
        Text text = assertInstanceOf(Text.class, e, "expected a message, got " + e);
        try {
            return JSON.readTree(text.text());
        } catch (JsonProcessingException ex) {
            throw new AssertionError("server sent invalid JSON: " + text.text(), ex);
        }
    }

    /** The next event must be a message of {@code type}; returns it. */
    public JsonNode awaitMessage(String type) {
        JsonNode m = awaitMessage();
        assertEquals(type, m.path("type").asText(), "unexpected message " + m);
        return m;
    }

    /** The next event must be an {@code error} with {@code code}; the connection must stay open. */
    public JsonNode awaitError(String code) {
        JsonNode m = awaitMessage("error");
        assertEquals(code, m.path("code").asText(), "unexpected error " + m);
        return m;
    }

    public Closed awaitClose() {
        Event e = awaitEvent();
        return assertInstanceOf(Closed.class, e, "expected a close, got " + e);
    }

    public void awaitClose(int code, String reason) {
        Closed c = awaitClose();
        assertEquals(new Closed(code, reason), c);
    }

    /** Nothing else has arrived so far (checked without waiting). */
    public void assertNoEvents() {
        assertNull(events.peek(), "unexpected event");
    }

    public boolean isClosed() {
        return events.stream().anyMatch(e -> e instanceof Closed);
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            events.add(new Text(partial.toString()));
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        events.add(new Closed(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        events.add(new Failed(error));
    }

    @Override
    public void close() {
        if (socket == null) {
            return;
        }
        if (socket.isOutputClosed()) {
            socket.abort();
        } else {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").whenComplete((ws, e) -> socket.abort());
        }
    }
}
