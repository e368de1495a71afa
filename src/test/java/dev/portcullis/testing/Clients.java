package dev.portcullis.testing;

import dev.portcullis.client.Backoff;
import dev.portcullis.client.ClientListener;
import dev.portcullis.client.ConnectionClosedException;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.client.RequestRefusedException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The project's own Java client ({@link PortcullisClient}) for a {@link TestServer}, with delays short
 * enough for tests: what a test uses when it needs an ordinary, well-behaved client.
 */
public final class Clients {
    /** Ceilings of 10, 20, 40, 80, 100 ms; a 1001 is retried within 10 ms. */
    public static final Backoff FAST = new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(10));
    public static final Duration WAIT = RecordingClient.TIMEOUT;

    private Clients() {
    }

    /** Logs in as {@code user} with the test password, on the server's clock. */
    public static PortcullisClient.Builder of(TestServer server, String user, ClientListener listener) {
        return base(server, listener).httpUri(server.httpUri("")).credentials(user, TestServer.PASSWORD);
    }

    /**
     * Passes the gate with {@code token} and only that: no HTTP API, so a refresh or a reconnect asks for
     * the same token again. For tests that hold a particular token (narrowed, about to be revoked, ...).
     */
    public static PortcullisClient.Builder withToken(TestServer server, String token, ClientListener listener) {
        return base(server, listener).tokenSupplier(() -> token);
    }

    private static PortcullisClient.Builder base(TestServer server, ClientListener listener) {
        return PortcullisClient.builder()
                .wsUri(server.wsUri())
                .clock(server.clock())
                .backoff(FAST)
                .random(new Random(7))
                .timeout(Duration.ofSeconds(5))
                .listener(listener);
    }

    /** A client that has passed the gate as {@code user}. */
    public static PortcullisClient connected(TestServer server, String user, ClientListener listener) throws InterruptedException {
        return connect(of(server, user, listener).build());
    }

    /** A client that has passed the gate as {@code user}, for a test that does not watch what it receives. */
    public static PortcullisClient connected(TestServer server, String user) throws InterruptedException {
        return connected(server, user, new ClientListener() {
        });
    }

    /** A client that has passed the gate with {@code token}. */
    public static PortcullisClient connectedWith(TestServer server, String token, ClientListener listener) throws InterruptedException {
        return connect(withToken(server, token, listener).build());
    }

    private static PortcullisClient connect(PortcullisClient c) throws InterruptedException {
        c.connect();
        return c;
    }

    /**
     * Connects a client that the server must refuse at the gate; returns how it was closed. Fails the test
     * if the client gets in.
     */
    public static ConnectionClosedException refusedAtGate(PortcullisClient.Builder client) {
        PortcullisClient c = client.build();
        try {
            c.connect();
        } catch (ConnectionClosedException e) {
            return e;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            c.close();
        }
        throw new AssertionError("the server let " + c.user() + " in");
    }

    /** The future's value; fails the test if it fails or takes longer than {@link #WAIT}. */
    public static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("request failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /** The server's refusal a request's future failed with; fails the test unless it is one with {@code code}. */
    public static RequestRefusedException refused(CompletableFuture<?> future, String code) {
        Throwable e = failure(future);
        if (!(e instanceof RequestRefusedException r)) {
            throw new AssertionError("expected the server to refuse with " + code + ", got " + e, e);
        }
        if (!r.code().equals(code)) {
            throw new AssertionError("expected " + code + ", got " + r.code() + ": " + r.serverMessage(), r);
        }
        return r;
    }

    /** The exception a future failed with; fails the test if it succeeds. */
    public static Throwable failure(CompletableFuture<?> future) {
        try {
            Object value = future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }
}
