package dev.portcullis.testing;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The JDK's HTTP client, on the real network, noting every answer it gets: a test hands it to a client
 * and waits for that client's retries (so many 503s to {@code POST /auth/refresh}) rather than for time.
 */
public final class RecordingHttpClient extends HttpClient {
    /** One answer, by the request's method and path. */
    public record Answer(String method, String path, int status) {
    }

    private final HttpClient delegate;
    /** Added to on the JDK's response threads, read by the test's. */
    private final List<Answer> answers = new CopyOnWriteArrayList<>();

    public RecordingHttpClient(HttpClient delegate) {
        this.delegate = delegate;
    }

    /** The answers so far, in the order they came. */
    public List<Answer> answers() {
        return List.copyOf(answers);
    }

    /** How many answers to {@code method path} came with {@code status}. */
    public long answered(String method, String path, int status) {
        return answers.stream().filter(a -> a.equals(new Answer(method, path, status))).count();
    }

    private void note(HttpRequest request, HttpResponse<?> response) {
        answers.add(new Answer(request.method(), request.uri().getPath(), response.statusCode()));
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        HttpResponse<T> response = delegate.send(request, handler);
        note(request, response);
        return response;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        // Noted before the caller's own stages run: once counted, the caller has the answer in hand.
        return delegate.sendAsync(request, handler).whenComplete((response, failure) -> {
            if (response != null) {
                note(request, response);
            }
        });
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        return delegate.sendAsync(request, handler, pushPromiseHandler).whenComplete((response, failure) -> {
            if (response != null) {
                note(request, response);
            }
        });
    }

    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return delegate.newWebSocketBuilder();
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }
}
