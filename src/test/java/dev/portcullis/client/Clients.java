package dev.portcullis.client;

import dev.portcullis.testing.TestServer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Clients for a {@link TestServer}, with delays short enough for tests. */
final class Clients {
    /** Ceilings of 10, 20, 40, 80, 100 ms; a 1001 is retried within 10 ms. */
    static final Backoff FAST = new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(10));
    static final Duration WAIT = Duration.ofSeconds(10);

    private Clients() {
    }

    /** Logs in as {@code user} with the test password, on the server's clock. */
    static PortcullisClient.Builder of(TestServer server, String user, ClientListener listener) {
        return PortcullisClient.builder()
                .httpUri(server.httpUri(""))
                .wsUri(server.wsUri())
                .credentials(user, TestServer.PASSWORD)
                .clock(server.clock())
                .backoff(FAST)
                .random(new Random(7))
                .timeout(Duration.ofSeconds(5))
                .listener(listener);
    }

    /** A connected client. */
    static PortcullisClient connected(TestServer server, String user, ClientListener listener) throws InterruptedException {
        PortcullisClient c = of(server, user, listener).build();
        c.connect();
        return c;
    }

    static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("request failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /** The exception a future failed with. */
    static Throwable failure(CompletableFuture<?> future) {
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
