package dev.portcullis.client;

import dev.portcullis.protocol.ErrorCode;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Drives the client's connections, one after another, through its {@link ClientState}s: connect, pass the
 * gate, answer the server, refresh before expiry, and after a close do what protocol.md §6 says (reconnect
 * at once, after a backoff, with a new credential, or never), re-joining the rooms. Every method runs on
 * the event thread ({@link EventLoop}) and every field is owned by it, except the {@code volatile} views
 * that {@link PortcullisClient} reads from any thread.
 */
final class ConnectionDriver implements Link.Events {
    private static final System.Logger log = System.getLogger(ConnectionDriver.class.getName());
    /** Refusals of a {@code join} that asking again cannot change (protocol.md §5): the room is forgotten. */
    private static final Set<String> FINAL_JOIN_REFUSALS =
            wire(ErrorCode.ACCESS_DENIED, ErrorCode.INVALID_ROOM, ErrorCode.TOO_MANY_ROOMS);
    /** Refusals that pass (§5): the request was not judged, only not served now. Asked again after a delay. */
    private static final Set<String> TRANSIENT_REFUSALS = wire(ErrorCode.BROKER_UNAVAILABLE, ErrorCode.RATE_LIMITED);

    private final Settings settings;
    private final EventLoop loop;
    private final ClientCodec codec = new ClientCodec();
    private final Pending pending = new Pending();
    /** Rooms to be in: joined and not left. Re-joined after every reconnect. */
    private final Set<String> rooms = new LinkedHashSet<>();
    /**
     * Rooms of {@link #rooms} whose re-join on this connection was refused for a passing reason (a cluster
     * cut off from Redis, the rate limit): they are asked for again after a delay, not forgotten.
     */
    private final Set<String> rejoinLater = new LinkedHashSet<>();
    /** The next round of {@link #rejoinLater}, or null when none is planned. */
    private ScheduledFuture<?> rejoinTimer;
    /** Rounds of re-joins on this connection that were refused again: the n of their backoff. */
    private int rejoinRounds;
    /** The longest {@code retry_after_ms} of the last refusals: re-joins are paced by it (§5 rate_limited). */
    private Duration rejoinPace = Duration.ZERO;
    /** Completes once the client has stopped for good and its socket is gone. */
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private ClientState state = ClientState.NEW;
    /** The access token used for the next auth; null: get a new one first. */
    private String token;
    /** The token came from a login or the supplier and has not yet passed the gate: if it is refused, a new one will not do better (§6). */
    private boolean tokenUnproven;
    /** The current connection, or null between connections. */
    private Link link;
    /** Numbers attempts, so that a login or handshake that finishes after its attempt was given up is ignored. */
    private int attempt;
    /** The wait for {@code auth_ok}, the backoff delay, or the wait for the server's close echo. */
    private ScheduledFuture<?> timer;
    private CompletableFuture<Void> firstConnect;
    private boolean everAuthenticated;
    /** Consecutive failures since the last {@code auth_ok}: the n of the backoff ceiling. */
    private int failures;
    /** Reconnect attempts since the last {@code auth_ok}, as reported to the listener. */
    private int reconnects;
    /** The {@code expires_at} of the last {@code expiring} a refresh was started for. */
    private long refreshedFor;
    private long nextId;
    private final String idPrefix;

    // What PortcullisClient shows to other threads; written here only.
    volatile ClientState stateView = ClientState.NEW;
    volatile String user;
    volatile List<String> roles = List.of();
    volatile Instant expiresAt;
    volatile Set<String> roomsView = Set.of();
    volatile PortcullisException failure;

    ConnectionDriver(Settings settings, EventLoop loop) {
        this.settings = settings;
        this.loop = loop;
        this.idPrefix = Long.toString(settings.random().nextLong() & Long.MAX_VALUE, 36);
    }

    CompletableFuture<Void> terminated() {
        return terminated;
    }

    // ---- requests from the application ----

    void connect(CompletableFuture<Void> result) {
        if (state != ClientState.NEW) {
            result.completeExceptionally(new IllegalStateException("connect() may be called only once"));
            return;
        }
        firstConnect = result;
        move(ClientState.CONNECTING);
        startAttempt();
    }

    CompletableFuture<List<String>> join(String room) {
        return request(Pending.Kind.JOIN, room, () -> codec.join(room));
    }

    CompletableFuture<Void> leave(String room) {
        rooms.remove(room); // even if the leave is never answered, the room is not joined again
        roomsView = Set.copyOf(rooms);
        boolean awaitingRejoin = rejoinLater.remove(room);
        if (state != ClientState.AUTHENTICATED || awaitingRejoin) {
            return CompletableFuture.completedFuture(null); // no connection, or not a member on this one
        }
        return request(Pending.Kind.LEAVE, room, () -> codec.leave(room));
    }

    CompletableFuture<RoomMessage> send(String room, String payloadJson, String id) {
        String key = id != null ? id : idPrefix + "-" + ++nextId;
        return request(Pending.Kind.SEND, key, () -> codec.message(room, payloadJson, key));
    }

    private <T> CompletableFuture<T> request(Pending.Kind kind, String key, Supplier<String> text) {
        if (state != ClientState.AUTHENTICATED) {
            return CompletableFuture.failedFuture(new NotConnectedException(state));
        }
        if (pending.full()) {
            return CompletableFuture.failedFuture(new PortcullisException(
                    Pending.MAX_PENDING + " requests await an answer; nothing was sent"));
        }
        link.send(text.get());
        return pending.add(kind, key);
    }

    void close() {
        if (state == ClientState.CLOSED) {
            return;
        }
        move(ClientState.CLOSED);
        cancelTimer();
        ConnectionClosedException closed = new ConnectionClosedException(1000, "closed by the client");
        if (firstConnect != null) {
            firstConnect.completeExceptionally(closed);
        }
        pending.failAll(closed);
        if (link != null && link.isOpen()) {
            link.close(1000, "bye");
            Link l = link;
            timer = loop.schedule(settings.timeout(), () -> {
                l.abort();
                closed(l, 1006, "no close frame from the server within " + settings.timeout().toMillis() + " ms");
            });
        } else {
            link = null; // a handshake still under way is aborted when it completes
            finish();
        }
    }

    // ---- one attempt: credential, handshake, auth ----

    private void startAttempt() {
        int current = ++attempt;
        boolean stale = token != null && AuthApi.expiry(token).map(exp -> !settings.clock().instant().isBefore(exp)).orElse(false);
        if (token != null && !stale) {
            open(current);
            return;
        }
        // An expired token would be refused, and count as a failed auth of this address (protocol.md §6).
        token = null;
        settings.credentials().fresh().whenComplete((t, e) -> loop.post(() -> {
            if (current != attempt || state != ClientState.CONNECTING) {
                return;
            }
            if (e != null) {
                attemptFailed(unwrap(e));
                return;
            }
            token = t;
            tokenUnproven = true;
            open(current);
        }));
    }

    private void open(int current) {
        Link l = new Link(this, loop);
        link = l;
        settings.http().newWebSocketBuilder()
                .connectTimeout(settings.timeout())
                .buildAsync(settings.wsUri(), l)
                .whenComplete((ws, e) -> handshakeDone(current, l, ws, e));
    }

    /** Called on the JDK's thread: the client may have closed (and its loop stopped) meanwhile. */
    private void handshakeDone(int current, Link l, WebSocket ws, Throwable e) {
        boolean posted = loop.post(() -> {
            if (link != l || current != attempt) {
                if (ws != null) {
                    ws.abort(); // given up (closed) while the handshake ran
                }
                return;
            }
            if (e != null) {
                link = null;
                attemptFailed(handshakeFailure(unwrapRaw(e)));
                return;
            }
            l.opened(ws);
            l.send(codec.auth(token));
            timer = loop.schedule(settings.timeout(), () -> {
                if (link == l && state == ClientState.CONNECTING) {
                    l.abort();
                    closed(l, 1006, "no auth_ok within " + settings.timeout().toMillis() + " ms");
                }
            });
        });
        if (!posted && ws != null) {
            ws.abort();
        }
    }

    /** The attempt failed before a socket was open: no token, or the upgrade was refused or never answered. */
    private void attemptFailed(PortcullisException e) {
        if (!everAuthenticated) {
            stop(e);
        } else if (e instanceof LoginFailedException lf) {
            if (lf.permanent()) {
                stop(lf); // 401: the password no longer works; 400: a bug. Retrying cannot help (§7.1).
            } else {
                retry(atLeast(backoff(), lf.retryAfter().orElse(Duration.ZERO)));
            }
        } else if (e instanceof ConnectionClosedException cc && cc.httpStatus().isPresent()) {
            int status = cc.httpStatus().getAsInt();
            if (status == 403) {
                stop(cc); // banned address or refused Origin: never as it is (§6, refused at the door)
            } else {
                retry(status == 429 || status == 503 ? atLeast(backoff(), Duration.ofSeconds(1)) : backoff());
            }
        } else {
            retry(backoff());
        }
    }

    // ---- the connection's events ----

    @Override
    public void text(Link l, String text) {
        if (l != link) {
            return;
        }
        ClientCodec.Inbound m;
        try {
            m = codec.decode(text);
        } catch (IllegalArgumentException e) {
            log.log(System.Logger.Level.WARNING, "ignoring a server message that does not follow protocol.md §4: {0}", e.getMessage());
            return;
        }
        if (state == ClientState.CONNECTING) {
            if (m instanceof ClientCodec.AuthOk ok) {
                authenticated(ok);
            }
            return; // nothing but auth_ok comes before auth_ok
        }
        if (state != ClientState.AUTHENTICATED) {
            return;
        }
        if (m instanceof ClientCodec.Relayed r) {
            RoomMessage msg = r.message();
            notify(() -> settings.listener().onMessage(msg.room(), msg.from(), msg.payloadJson(), msg.id(), msg.seq(), msg.ts()));
            if (msg.from().equals(user) && msg.id() != null) {
                pending.answer(Pending.Kind.SEND, msg.id(), msg);
            }
        } else if (m instanceof ClientCodec.Presence p) {
            notify(() -> settings.listener().onPresence(p.room(), p.user(), p.event()));
        } else if (m instanceof ClientCodec.Joined j) {
            rooms.add(j.room());
            roomsView = Set.copyOf(rooms);
            notify(() -> settings.listener().onJoined(j.room(), j.members()));
            pending.answer(Pending.Kind.JOIN, j.room(), j.members());
        } else if (m instanceof ClientCodec.Left left) {
            pending.answer(Pending.Kind.LEAVE, left.room(), null);
        } else if (m instanceof ClientCodec.Error err) {
            notify(() -> settings.listener().onError(err.code(), err.message()));
            pending.refuse(new RequestRefusedException(err.code(), err.message(), err.retryAfterMs(), err.room(), err.id()));
        } else if (m instanceof ClientCodec.Expiring exp) {
            refresh(exp.expiresAt());
        } else if (m instanceof ClientCodec.Refreshed r) {
            expiresAt = Instant.ofEpochSecond(r.expiresAt());
            notify(() -> settings.listener().onRefreshed(Instant.ofEpochSecond(r.expiresAt())));
            pending.answer(Pending.Kind.REFRESH, null, null);
        }
        // Any other type is ignored, as protocol.md §1 asks of clients.
    }

    private void authenticated(ClientCodec.AuthOk ok) {
        cancelTimer();
        everAuthenticated = true;
        tokenUnproven = false;
        failures = 0;
        reconnects = 0;
        refreshedFor = 0;
        user = ok.user();
        roles = ok.roles();
        expiresAt = Instant.ofEpochSecond(ok.expiresAt());
        // Rooms belong to the connection (§1): ask for them again before anything else is sent.
        rejoinLater.clear();
        cancelRejoin();
        rejoinRounds = 0;
        rejoinPace = Duration.ZERO;
        for (String room : List.copyOf(rooms)) {
            rejoin(link, room);
        }
        move(ClientState.AUTHENTICATED);
        notify(() -> settings.listener().onAuthenticated(ok.user(), ok.roles(), Instant.ofEpochSecond(ok.expiresAt())));
        firstConnect.complete(null);
    }

    /**
     * Sends a {@code join} for a room the client was in before the reconnect. Only a refusal that will not
     * change (§5: {@code access_denied}, {@code invalid_room}, {@code too_many_rooms}) forgets the room; any
     * other ({@code broker_unavailable} while the cluster is cut off from Redis, {@code rate_limited}) is
     * asked for again later. A connection that ends first leaves the room to the next {@code auth_ok}.
     */
    private void rejoin(Link l, String room) {
        l.send(codec.join(room));
        pending.<List<String>>add(Pending.Kind.JOIN, room).whenComplete((members, e) -> {
            if (e instanceof RequestRefusedException refused) {
                rejoinRefused(l, room, refused);
            } else if (e == null && link == l) {
                rejoinRounds = 0; // the server serves joins again: a later refusal starts a new backoff
            }
        });
    }

    private void rejoinRefused(Link l, String room, RequestRefusedException refused) {
        if (FINAL_JOIN_REFUSALS.contains(refused.code())) {
            rooms.remove(room); // asking again would be refused again, and access_denied is a violation (§12.2)
            roomsView = Set.copyOf(rooms);
            return;
        }
        if (link != l || state != ClientState.AUTHENTICATED || !rooms.contains(room)) {
            return;
        }
        rejoinLater.add(room);
        Duration retryAfter = refused.retryAfter().orElse(Duration.ZERO);
        rejoinPace = atLeast(rejoinPace, retryAfter);
        // One round for every refusal of a burst: at the backoff of §6, and never before retry_after_ms (§5).
        Duration delay = atLeast(settings.backoff().delay(rejoinRounds, settings.random()), retryAfter);
        if (rejoinTimer == null || rejoinTimer.getDelay(TimeUnit.MILLISECONDS) < delay.toMillis()) {
            cancelRejoin();
            rejoinTimer = loop.schedule(delay, () -> rejoinRound(l));
        }
    }

    /**
     * Asks again for the rooms of {@link #rejoinLater}. After a {@code rate_limited} they go one per
     * {@code retry_after_ms}, "paced below the limit" as §5 asks: a burst would be refused again, and each
     * refusal is a violation towards a block (§12.2).
     */
    private void rejoinRound(Link l) {
        rejoinTimer = null;
        if (link != l || state != ClientState.AUTHENTICATED) {
            return;
        }
        rejoinRounds++;
        Duration pace = rejoinPace;
        rejoinPace = Duration.ZERO;
        List<String> due = List.copyOf(rejoinLater);
        for (int i = 0; i < due.size(); i++) {
            String room = due.get(i);
            Runnable send = () -> {
                // Still wanted (not left meanwhile), and still on this connection.
                if (link == l && state == ClientState.AUTHENTICATED && rejoinLater.remove(room)) {
                    rejoin(l, room);
                }
            };
            if (i == 0 || pace.isZero()) {
                send.run();
            } else {
                loop.schedule(pace.multipliedBy(i), send);
            }
        }
    }

    private void cancelRejoin() {
        if (rejoinTimer != null) {
            rejoinTimer.cancel(false);
            rejoinTimer = null;
        }
    }

    /** {@code expiring} (§13.3): get a fresh token over HTTP and hand it to the server with {@code refresh}. */
    private void refresh(long expiring) {
        if (expiring <= refreshedFor) {
            return; // once per end
        }
        refreshedFor = expiring;
        offerRefresh(link, settings.credentials().refresh(token), true, 0);
    }

    /**
     * Sends the token {@code source} gives in a {@code refresh} on connection {@code l}. It becomes the
     * client's token (for later reconnects too) once {@code refreshed} accepts it; after an
     * {@code invalid_refresh} the old token stands, and the client tries once more with a new credential
     * (§5). If that fails too, the server closes at the end with {@code Token expired} and the client
     * logs in again (§6). What passes is retried with backoff while the connection lasts: a 503 from the
     * HTTP API (§7: {@code broker_unavailable} in a cluster cut off from Redis, where the old token stays
     * valid), and a {@code refresh} refused with {@code broker_unavailable} or {@code rate_limited}.
     *
     * @param tries the attempts of this refresh so far: the n of the backoff
     */
    private void offerRefresh(Link l, CompletableFuture<String> source, boolean again, int tries) {
        source.whenComplete((fresh, e) -> loop.post(() -> {
            if (link != l || state != ClientState.AUTHENTICATED) {
                return; // that connection is gone; the next one is warned, and refreshes, on its own
            }
            if (e != null) {
                PortcullisException why = unwrap(e);
                if (why instanceof LoginFailedException lf && lf.status() == 503) {
                    Duration delay = atLeast(settings.backoff().delay(tries, settings.random()),
                            lf.retryAfter().orElse(Duration.ofSeconds(1)));
                    if (refreshLater(l, delay, () -> offerRefresh(l, settings.credentials().refresh(token), again, tries + 1))) {
                        return;
                    }
                }
                log.log(System.Logger.Level.WARNING, "could not get a token to refresh with ({0}); the server will"
                        + " close the connection at its end and the client will log in again", why.getMessage());
                return;
            }
            l.send(codec.refresh(fresh));
            pending.add(Pending.Kind.REFRESH, null).whenComplete((accepted, refused) -> {
                if (refused == null) {
                    token = fresh;
                } else if (refused instanceof RequestRefusedException r && TRANSIENT_REFUSALS.contains(r.code())) {
                    // The token was not judged, only not checked now (or not read): offer the same one again.
                    Duration delay = atLeast(settings.backoff().delay(tries, settings.random()),
                            r.retryAfter().orElse(Duration.ZERO));
                    if (!refreshLater(l, delay, () -> offerRefresh(l, CompletableFuture.completedFuture(fresh), again, tries + 1))) {
                        log.log(System.Logger.Level.WARNING, "refresh refused with {0} until the connection's end; the"
                                + " server will close it and the client will log in again", r.code());
                    }
                } else if (again && refused instanceof RequestRefusedException) {
                    offerRefresh(l, settings.credentials().fresh(), false, 0);
                }
            });
        }));
    }

    /**
     * Runs {@code retry} after {@code delay} on connection {@code l}, if that is before the connection's
     * end (a refresh after it is of no use: the server closes with {@code Token expired}, and the client
     * logs in again, §6). Returns whether it is planned.
     */
    private boolean refreshLater(Link l, Duration delay, Runnable retry) {
        Instant end = expiresAt;
        if (end != null && !settings.clock().instant().plus(delay).isBefore(end)) {
            return false;
        }
        loop.schedule(delay, () -> {
            if (link == l && state == ClientState.AUTHENTICATED) {
                retry.run();
            }
        });
        return true;
    }

    @Override
    public void closed(Link l, int code, String reason) {
        if (l != link) {
            return;
        }
        link = null;
        cancelTimer();
        cancelRejoin();
        rejoinLater.clear(); // the next auth_ok asks for every room again
        ConnectionClosedException why = new ConnectionClosedException(code, reason);
        pending.failAll(why);
        notify(() -> settings.listener().onClosed(code, reason));
        if (state == ClientState.CLOSED) {
            finish(); // the end of our own close
            return;
        }
        if (!everAuthenticated) {
            stop(why); // connect() reports it; only a client that got in once reconnects by itself
            return;
        }
        boolean wasAuthenticated = state == ClientState.AUTHENTICATED;
        switch (ClosePolicy.of(code, reason)) {
            case NEVER -> stop(why);
            case RELOGIN -> {
                if (tokenUnproven) {
                    stop(why); // a fresh token refused too: secret, issuer or clock mismatch; do not loop (§6)
                } else {
                    token = null;
                    retry(wasAuthenticated ? Duration.ZERO : backoff());
                }
            }
            case AT_ONCE -> retry(wasAuthenticated ? settings.backoff().shutdownDelay(settings.random()) : backoff());
            case BACKOFF -> retry(backoff());
        }
    }

    // ---- moving on ----

    private void retry(Duration delay) {
        move(ClientState.RECONNECTING);
        int n = ++reconnects;
        notify(() -> settings.listener().onReconnecting(n, delay));
        timer = loop.schedule(delay, () -> {
            if (state == ClientState.RECONNECTING) {
                move(ClientState.CONNECTING);
                startAttempt();
            }
        });
    }

    /** For good: protocol.md §6 says not to reconnect, or the first connect failed. */
    private void stop(PortcullisException why) {
        failure = why;
        move(ClientState.CLOSED);
        cancelTimer();
        firstConnect.completeExceptionally(why);
        pending.failAll(why);
        finish();
    }

    private void finish() {
        loop.shutdown();
        terminated.complete(null);
    }

    private Duration backoff() {
        return settings.backoff().delay(failures++, settings.random());
    }

    private static Duration atLeast(Duration d, Duration floor) {
        return d.compareTo(floor) < 0 ? floor : d;
    }

    private void move(ClientState to) {
        ClientState from = state;
        state = from.moveTo(to);
        stateView = to;
        notify(() -> settings.listener().onStateChange(from, to));
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** A listener that throws must not break the client. */
    private static void notify(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.WARNING, "a ClientListener callback threw", e);
        }
    }

    private static PortcullisException handshakeFailure(Throwable e) {
        if (e instanceof WebSocketHandshakeException h) {
            int status = h.getResponse().statusCode();
            return new ConnectionClosedException(1006, "upgrade refused with HTTP " + status, status, e);
        }
        return new ConnectionClosedException(1006, "could not connect: " + e, 0, e);
    }

    /** The {@code code} strings of {@code codes}, as {@link RequestRefusedException#code()} gives them. */
    private static Set<String> wire(ErrorCode... codes) {
        return Stream.of(codes).map(ErrorCode::wire).collect(Collectors.toUnmodifiableSet());
    }

    private static Throwable unwrapRaw(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static PortcullisException unwrap(Throwable e) {
        Throwable cause = unwrapRaw(e);
        return cause instanceof PortcullisException pe ? pe : new PortcullisException(cause.toString(), cause);
    }
}
