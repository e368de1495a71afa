package dev.portcullis.web;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Chromium tab over the Chrome DevTools Protocol (JSON-RPC on a WebSocket), on the JDK's client: calls
 * by id, events recorded, and the few page operations a test needs (navigate, evaluate, fill, click,
 * screenshot). A test reads like a person using the page.
 */
final class DevTools implements WebSocket.Listener, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Generous for a loaded CI machine; a passing test never waits it out. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final String targetId;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    /** Every event Chromium sent, in order. */
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    /** Only touched by the listener thread, which the JDK serialises. */
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    private DevTools(String targetId) {
        this.targetId = targetId;
    }

    static DevTools connect(HttpClient http, URI uri, String targetId) {
        DevTools page = new DevTools(targetId);
        page.socket = http.newWebSocketBuilder().buildAsync(uri, page).join();
        page.call("Page.enable");
        page.call("Runtime.enable");
        page.call("Log.enable");
        return page;
    }

    String targetId() {
        return targetId;
    }

    /** Calls {@code method} and returns its {@code result}; a CDP error fails the test. */
    JsonNode call(String method, Object... params) {
        int id = ids.incrementAndGet();
        ObjectNode request = JSON.createObjectNode().put("id", id).put("method", method);
        ObjectNode p = request.putObject("params");
        for (int i = 0; i < params.length; i += 2) {
            p.set((String) params[i], JSON.valueToTree(params[i + 1]));
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        calls.put(id, answer);
        synchronized (this) {
            socket.sendText(request.toString(), true).join(); // the JDK refuses overlapping sends
        }
        JsonNode response;
        try {
            response = answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("DevTools " + method + " did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (response.has("error")) {
            throw new AssertionError("DevTools " + method + " failed: " + response.get("error"));
        }
        return response.get("result");
    }

    /** Evaluates a JavaScript expression in the page (awaiting a promise) and returns its value as JSON. */
    JsonNode evaluate(String expression) {
        JsonNode result = call("Runtime.evaluate", "expression", expression, "returnByValue", true, "awaitPromise", true);
        if (result.has("exceptionDetails")) {
            throw new AssertionError("the page threw: " + result.get("exceptionDetails").path("exception")
                    .path("description").asText(result.get("exceptionDetails").toString()));
        }
        return result.path("result").path("value");
    }

    /** Opens {@code url} and waits until its document has loaded. */
    void navigate(URI url) {
        call("Page.navigate", "url", url.toString());
        await().atMost(TIMEOUT).until(() -> evaluate("location.href").asText().equals(url.toString())
                && evaluate("document.readyState").asText().equals("complete"));
    }

    /** The visible text of the element {@code selector} names (empty if there is none). */
    String text(String selector) {
        return evaluate("document.querySelector(" + quote(selector) + ")?.innerText ?? ''").asText();
    }

    /** Types {@code value} into a field, as far as the page's listeners can tell. */
    void fill(String selector, String value) {
        evaluate("(() => { const e = document.querySelector(" + quote(selector) + "); e.value = " + quote(value)
                + "; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()");
    }

    /** Ticks or unticks a checkbox. */
    void check(String selector, boolean checked) {
        evaluate("(() => { const e = document.querySelector(" + quote(selector) + "); if (e.checked !== " + checked
                + ") { e.click(); } })()");
    }

    /** Waits until the element is enabled, then clicks it. */
    void click(String selector) {
        await().atMost(TIMEOUT).until(() -> evaluate("!!document.querySelector(" + quote(selector) + ") && !document.querySelector("
                + quote(selector) + ").disabled").asBoolean());
        evaluate("document.querySelector(" + quote(selector) + ").click()");
    }

    /** Sets the window to a laptop screen. */
    void viewport(int width, int height) {
        call("Emulation.setDeviceMetricsOverride", "width", width, "height", height, "deviceScaleFactor", 1, "mobile", false);
    }

    void screenshot(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(call("Page.captureScreenshot", "format", "png").get("data").asText()));
    }

    /** Uncaught exceptions, console errors and browser log errors (CSP violations among them) so far. */
    List<String> errors() {
        List<String> errors = new ArrayList<>();
        for (JsonNode e : events) {
            String method = e.path("method").asText();
            JsonNode p = e.path("params");
            if (method.equals("Runtime.exceptionThrown")) {
                errors.add("exception: " + p.path("exceptionDetails").path("exception").path("description").asText(p.toString()));
            } else if (method.equals("Runtime.consoleAPICalled") && p.path("type").asText().equals("error")) {
                errors.add("console.error: " + p.path("args"));
            } else if (method.equals("Log.entryAdded") && p.path("entry").path("level").asText().equals("error")) {
                errors.add("log: " + p.path("entry").path("text").asText());
            }
        }
        return errors;
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            JsonNode message;
            try {
                message = JSON.readTree(partial.toString());
            } catch (IOException e) {
                throw new IllegalStateException("DevTools sent invalid JSON", e);
            } finally {
                partial.setLength(0);
            }
            if (message.has("id")) {
                CompletableFuture<JsonNode> answer = calls.remove(message.get("id").asInt());
                if (answer != null) {
                    answer.complete(message);
                }
            } else {
                events.add(message);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        calls.values().forEach(c -> c.completeExceptionally(error));
    }

    @Override
    public void close() {
        socket.abort();
    }
}
