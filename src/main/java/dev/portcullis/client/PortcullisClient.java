package dev.portcullis.client;

import dev.portcullis.protocol.MessageCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A Portcullis client: logs in over HTTP, opens the WebSocket, passes the gate with a first {@code auth}
 * message, joins rooms and sends to them; refreshes its token when the server warns of expiry, and after
 * a close reconnects as protocol.md §6 says (at once, after a backoff with full jitter, with a new
 * credential, or never), re-authenticating and re-joining its rooms.
 *
 * <pre>{@code
 * PortcullisClient client = PortcullisClient.builder()
 *         .httpUri(URI.create("http://127.0.0.1:8081"))
 *         .wsUri(URI.create("ws://127.0.0.1:8080/"))
 *         .credentials("alice", password)
 *         .listener(new ClientListener() {
 *             public void onMessage(String room, String from, String payloadJson, String id, long seq, long ts) {
 *                 System.out.println(from + ": " + payloadJson);
 *             }
 *         })
 *         .build();
 * client.connect();                                              // returns at auth_ok
 * client.join("lobby").join();                                   // the members
 * RoomMessage ack = client.send("lobby", "{\"text\":\"hi\"}", null).join();   // ack.seq()
 * client.close();
 * }</pre>
 *
 * <p><b>Threads.</b> Every method may be called from any thread. {@link #connect()} and {@link #close()}
 * block; the others return at once with a future. Requests made from one thread go out in the order they
 * were made. All the client's work, listener callbacks and the completion of the returned futures happen
 * on one event thread of the client's own, one thing at a time: callbacks and dependent actions of the
 * futures must not block (use the {@code ...Async} methods of {@link CompletableFuture} for slow work),
 * and must not call {@code connect()}, {@code close()} or {@code join()} a returned future.
 *
 * <p><b>Requests</b> need an {@link ClientState#AUTHENTICATED} client; at any other time their future
 * fails with {@link NotConnectedException} and nothing is sent. A request whose connection ends before
 * its answer fails with {@link ConnectionClosedException}; for a {@code send}, the message may or may not
 * have been delivered (the rooms' {@code seq} tells, protocol.md §11.2).
 */
public final class PortcullisClient implements AutoCloseable {
    private final ConnectionDriver driver;
    private final EventLoop loop;
    private final ClientCodec codec = new ClientCodec();
    private final Duration timeout;

    private PortcullisClient(Settings settings) {
        this.loop = new EventLoop();
        this.driver = new ConnectionDriver(settings, loop);
        this.timeout = settings.timeout();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Logs in (or asks the token supplier), opens the WebSocket and authenticates; returns when
     * {@code auth_ok} has arrived. May be called once. A first connect that fails is not retried: it
     * throws {@link ConnectionClosedException} with the server's close code and reason (or 1006 and the
     * HTTP status of a refused upgrade), or {@link LoginFailedException}, and the client is closed.
     */
    public void connect() throws InterruptedException {
        if (loop.inLoop()) {
            throw new IllegalStateException("connect() blocks: from a listener use connectAsync()");
        }
        try {
            connectAsync().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new PortcullisException("connect failed", e.getCause());
        }
    }

    /** {@link #connect()} without blocking: the future completes at {@code auth_ok} or fails as connect() throws. */
    public CompletableFuture<Void> connectAsync() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (!loop.post(() -> driver.connect(result))) {
            result.completeExceptionally(new NotConnectedException(ClientState.CLOSED));
        }
        return result;
    }

    /**
     * Joins {@code room}; the future gives the members (protocol.md §4.5) or fails with
     * {@link RequestRefusedException} ({@code access_denied}, {@code too_many_rooms}, ...). Once joined,
     * the room is joined again after every reconnect until {@link #leave}. A re-join refused for good
     * ({@code access_denied}, {@code invalid_room}, {@code too_many_rooms}) forgets the room; one refused for
     * a reason that passes ({@code broker_unavailable}, {@code rate_limited}) is asked for again after a
     * backoff, never sooner than {@code retry_after_ms} (protocol.md §5).
     *
     * @throws IllegalArgumentException if {@code room} is not 1-64 characters of {@code A-Z a-z 0-9 . _ : -}
     */
    public CompletableFuture<List<String>> join(String room) {
        ClientCodec.checkRoom(room);
        return request(d -> d.join(room));
    }

    /**
     * Leaves {@code room}; the future completes at {@code left}. The room is forgotten at once, so it is
     * not joined again by a reconnect; while not connected, there is nothing else to do and the future
     * completes at once.
     */
    public CompletableFuture<Void> leave(String room) {
        ClientCodec.checkRoom(room);
        return request(d -> d.leave(room));
    }

    /**
     * Sends {@code payloadJson} (one JSON value, written to the wire as given) to a joined room. The future
     * completes with the server's relayed copy, the sender's acknowledgement (protocol.md §4.7), or fails
     * with {@link RequestRefusedException} ({@code not_a_member}, {@code rate_limited} with its
     * {@code retryAfter}). {@code id} correlates the message (at most 128 characters); if null the client
     * makes one up, so that every message it sends has an id.
     *
     * @throws IllegalArgumentException if the room, payload or id would be refused as malformed
     */
    public CompletableFuture<RoomMessage> send(String room, String payloadJson, String id) {
        ClientCodec.checkRoom(room);
        codec.checkPayload(payloadJson);
        if (id != null && id.length() > MessageCodec.MAX_CLIENT_ID_CHARS) {
            throw new IllegalArgumentException("id is longer than " + MessageCodec.MAX_CLIENT_ID_CHARS + " characters");
        }
        return request(d -> d.send(room, payloadJson, id));
    }

    /**
     * Closes the connection with 1000 and stops reconnecting; waits (at most the builder's timeout) for the
     * server's close. Requests still waiting fail with {@link ConnectionClosedException}. Idempotent.
     */
    @Override
    public void close() {
        loop.post(driver::close);
        if (loop.inLoop()) {
            return; // the close goes on once the current callback returns
        }
        try {
            driver.terminated().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            loop.awaitTermination(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closed as far as this client is concerned; the socket is the JDK's to drop
        }
    }

    public ClientState state() {
        return driver.stateView;
    }

    /** The authenticated user ({@code auth_ok}'s {@code user}), or null before the first. */
    public String user() {
        return driver.user;
    }

    /** The roles of the last {@code auth_ok}. */
    public List<String> roles() {
        return driver.roles;
    }

    /** When the current connection ends unless refreshed: {@code auth_ok}'s or the last {@code refreshed}'s time. */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(driver.expiresAt);
    }

    /** The rooms joined and not left: those a reconnect joins again. */
    public Set<String> rooms() {
        return driver.roomsView;
    }

    /** Why the client stopped by itself (a first connect that failed, or a close not to be retried). */
    public Optional<PortcullisException> failure() {
        return Optional.ofNullable(driver.failure);
    }

    private <T> CompletableFuture<T> request(Function<ConnectionDriver, CompletableFuture<T>> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        boolean posted = loop.post(() -> action.apply(driver).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            } else {
                result.complete(v);
            }
        }));
        if (!posted) {
            result.completeExceptionally(new NotConnectedException(ClientState.CLOSED));
        }
        return result;
    }

    /** Settings for a {@link PortcullisClient}; {@link #wsUri} and one way to get tokens are required. */
    public static final class Builder {
        /** For the HTTP calls, the WebSocket handshake and the wait for {@code auth_ok} and the close echo. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

        private URI httpUri;
        private URI wsUri;
        private String username;
        private String password;
        private Supplier<String> tokenSupplier;
        private Clock clock = Clock.systemUTC();
        private Backoff backoff = Backoff.DEFAULT;
        private RandomGenerator random = new Random();
        private ClientListener listener = new ClientListener() {
        };
        private HttpClient http;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {
        }

        /** The HTTP API, e.g. {@code http://127.0.0.1:8081}; a path prefix (behind a proxy) is kept. */
        public Builder httpUri(URI uri) {
            this.httpUri = Objects.requireNonNull(uri);
            return this;
        }

        /** The WebSocket, e.g. {@code ws://127.0.0.1:8080/}. */
        public Builder wsUri(URI uri) {
            this.wsUri = Objects.requireNonNull(uri);
            return this;
        }

        /** Log in with {@code POST /auth/login}, at connect and whenever a new credential is needed. Needs {@link #httpUri}. */
        public Builder credentials(String username, String password) {
            this.username = Objects.requireNonNull(username);
            this.password = Objects.requireNonNull(password);
            return this;
        }

        /**
         * Ask {@code supplier} for an access token at connect and whenever a new credential is needed (after
         * {@code Invalid token} or {@code Token expired}, protocol.md §6). It runs on a pool thread, not the
         * event thread, and may block briefly. With {@link #httpUri}, tokens are refreshed with
         * {@code POST /auth/refresh} first.
         */
        public Builder tokenSupplier(Supplier<String> supplier) {
            this.tokenSupplier = Objects.requireNonNull(supplier);
            return this;
        }

        /** The clock that decides whether a stored token has expired before it is used again. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Builder backoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff);
            return this;
        }

        /** The source of the backoff jitter (and of the prefix of generated message ids). */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random);
            return this;
        }

        public Builder listener(ClientListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /** The JDK client for HTTP and WebSocket, e.g. one with an {@code SSLContext} for {@code wss://}. */
        public Builder httpClient(HttpClient http) {
            this.http = Objects.requireNonNull(http);
            return this;
        }

        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.timeout = timeout;
            return this;
        }

        public PortcullisClient build() {
            if (wsUri == null) {
                throw new IllegalStateException("wsUri is required");
            }
            if ((username == null) == (tokenSupplier == null)) {
                throw new IllegalStateException("give exactly one of credentials(..) and tokenSupplier(..)");
            }
            if (username != null && httpUri == null) {
                throw new IllegalStateException("credentials(..) need httpUri(..) to log in");
            }
            HttpClient client = http != null ? http : HttpClient.newBuilder().connectTimeout(timeout).build();
            AuthApi api = httpUri == null ? null : new AuthApi(client, httpUri, timeout);
            return new PortcullisClient(new Settings(wsUri, client, credentials(api), clock, backoff, random, listener, timeout));
        }

        private Settings.Credentials credentials(AuthApi api) {
            String user = username;
            String pass = password;
            Supplier<String> supplier = tokenSupplier;
            return new Settings.Credentials() {
                @Override
                public CompletableFuture<String> fresh() {
                    return user != null ? api.login(user, pass) : CompletableFuture.supplyAsync(() -> {
                        String token;
                        try {
                            token = supplier.get();
                        } catch (RuntimeException e) {
                            throw new LoginFailedException("the token supplier", e);
                        }
                        if (token == null) {
                            throw new LoginFailedException("the token supplier", new NullPointerException("it returned null"));
                        }
                        return token;
                    });
                }

                @Override
                public CompletableFuture<String> refresh(String current) {
                    if (api == null) {
                        return fresh();
                    }
                    // A 503 (§7.5: broker_unavailable in a cluster cut off from Redis) says nothing against the
                    // token: the caller retries the refresh. Any other failure: a login or the supplier instead.
                    return api.refresh(current).exceptionallyCompose(e -> {
                        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        return cause instanceof LoginFailedException lf && lf.status() == 503
                                ? CompletableFuture.failedFuture(cause) : fresh();
                    });
                }
            };
        }
    }
}
