package dev.portcullis.server;

import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.JwtSecret;
import dev.portcullis.auth.LoginService;
import dev.portcullis.auth.PasswordHasher;
import dev.portcullis.auth.RevocationStore;
import dev.portcullis.auth.TicketStore;
import dev.portcullis.auth.TokenIssuer;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.UserStore;
import dev.portcullis.cluster.LocalState;
import dev.portcullis.cluster.RedisState;
import dev.portcullis.cluster.SharedState;
import dev.portcullis.config.AbuseConfig;
import dev.portcullis.config.AuthConfig;
import dev.portcullis.config.Config;
import dev.portcullis.config.ConnectionConfig;
import dev.portcullis.config.HttpConfig;
import dev.portcullis.config.ListenerConfig;
import dev.portcullis.config.StorageConfig;
import dev.portcullis.crypto.Fernet;
import dev.portcullis.crypto.FernetKey;
import dev.portcullis.gate.AbuseGuard;
import dev.portcullis.gate.Gatekeeper;
import dev.portcullis.gate.SecurityEvents;
import dev.portcullis.gate.SessionLifecycle;
import dev.portcullis.health.Liveness;
import dev.portcullis.http.HttpApi;
import dev.portcullis.http.HttpServices;
import dev.portcullis.limit.AddressPrefix;
import dev.portcullis.limit.Blocklist;
import dev.portcullis.limit.ForwardedFor;
import dev.portcullis.limit.IpGuard;
import dev.portcullis.limit.LoginThrottle;
import dev.portcullis.limit.RateLimiter;
import dev.portcullis.metrics.HeapAfterGc;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.net.OriginPolicy;
import dev.portcullis.net.Tls;
import dev.portcullis.platform.ExecutorScheduler;
import dev.portcullis.platform.PrivateFiles;
import dev.portcullis.platform.Scheduler;
import dev.portcullis.platform.Threads;
import dev.portcullis.protocol.CloseReason;
import dev.portcullis.protocol.MessageCodec;
import dev.portcullis.room.RoomPolicy;
import dev.portcullis.room.RoomService;
import dev.portcullis.session.SessionRegistry;
import dev.portcullis.websocket.WebSocketListener;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Portcullis: reads the secret and users, then starts the WebSocket gate and the HTTP API.
 * This class is the wiring diagram of the system; read {@link #start} top to bottom.
 */
public final class Portcullis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Portcullis.class);
    /** How long a stopping server waits for closing handshakes before it drops the sockets. */
    private static final int STOP_GRACE_MILLIS = 2000;
    private static final int START_TIMEOUT_SECONDS = 10;
    /** How long a join or a message waits for its own event from the shared state before it is refused. */
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(5);
    /** How long start-up waits for Redis before it goes on without it (degraded, and saying so). */
    private static final Duration REDIS_START_WAIT = Duration.ofSeconds(10);

    private final Config config;
    /** Everything to release on close, in reverse order of start. */
    private final List<AutoCloseable> resources = new ArrayList<>();
    /** Completes once {@link #close()} has finished. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Liveness liveness = new Liveness();
    private int wsPort;
    private int httpPort;
    private RoomService rooms;
    private Metrics metrics;
    private AuditLog audit;

    private Portcullis(Config config) {
        this.config = config;
    }

    /**
     * Starts both listeners and returns once both accept connections. {@code console} receives the
     * one-time notices for the operator (the generated admin password); logs go through SLF4J.
     * First start is all or nothing: the password is shown only once both listeners are up, and a start
     * that fails removes the users file it created, so the next start makes and shows a new one.
     */
    public static Portcullis start(Config config, Clock clock, SecureRandom random, PrintStream console)
            throws IOException {
        Portcullis p = new Portcullis(config);
        FirstRun firstRun = new FirstRun(config.logins());
        try {
            p.startAll(clock, random, firstRun);
        } catch (IOException | RuntimeException e) {
            p.close();
            // After close: nothing is reading the file any more.
            firstRun.discard();
            throw e;
        }
        firstRun.announce(console);
        return p;
    }

    private void startAll(Clock clock, SecureRandom random, FirstRun firstRun) throws IOException {
        createDataDir();
        // A generated secret is kept even if this start fails: it is never shown, and no token was signed with it.
        JwtSecret secret = loadSecret(random);
        PasswordHasher hasher = new PasswordHasher(random);
        firstRun.ensureUsersFile(hasher, random);
        UserStore users = UserStore.open(config.logins().usersFile());

        audit = own(AuditLog.open(config.storage().auditLog(), clock));
        AuthConfig auth = config.auth();
        TokenIssuer issuer = new TokenIssuer(secret, auth.issuer(), auth.tokenTtl(), clock);
        TokenVerifier verifier = new TokenVerifier(secret, auth.issuer(), auth.clockLeeway(), clock);
        LoginService logins = own(new LoginService(users, hasher, issuer,
                config.logins().threads(), config.logins().queue(), config.logins().bcryptCost()));

        // Deadlines, heartbeats and hard closes: short tasks that only queue frames or close sockets.
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, Threads.named("gate-scheduler"));
        // Most auth deadlines are cancelled; without this they would sit in the queue until they expire.
        scheduler.setRemoveOnCancelPolicy(true);
        own(scheduler::shutdownNow);

        MessageCodec codec = new MessageCodec();
        metrics = new Metrics(own(new HeapAfterGc()));
        AbuseConfig limits = config.abuse();
        // What instances must agree on; this process alone unless --redis-url names a cluster's Redis.
        String instance = Long.toHexString(random.nextLong() & 0xffffffffffL);
        SharedState shared = own(openSharedState(clock, limits, instance));
        scheduler.scheduleAtFixedRate(liveness.guard("purge of expired shared state", shared::purgeExpired), 1, 1,
                TimeUnit.MINUTES);
        RoomPolicy.Default roomDefault = config.rooms().defaultAllow() ? RoomPolicy.Default.ALLOW : RoomPolicy.Default.DENY;
        Path roomRules = config.rooms().rulesFile();
        RoomPolicy policy = roomRules == null ? RoomPolicy.of(roomDefault) : RoomPolicy.load(roomRules, roomDefault);
        rooms = new RoomService(policy, codec, clock, config.rooms().maxPerConnection(), shared, instance, EVENT_TIMEOUT);
        shared.listenToRooms(rooms);

        ListenerConfig listeners = config.listeners();
        SSLContext tls = listeners.tls()
                ? Tls.context(listeners.tlsKeystore(), listeners.tlsKeystorePassword().toCharArray()) : null;
        ExecutorService tlsTasks = Executors.newSingleThreadExecutor(Threads.named("tls-tasks"));
        own(tlsTasks::shutdownNow);
        OriginPolicy origins = new OriginPolicy(listeners.allowedOrigins(), listeners.allowMissingOrigin());
        ForwardedFor forwardedFor = new ForwardedFor(limits.trustedProxies());
        AddressPrefix prefix = new AddressPrefix(limits.ipv4Prefix(), limits.ipv6Prefix());
        IpGuard ips = new IpGuard(limits.ipConnectRate(), limits.maxPendingPerIp(), limits.ipAuthFailures(),
                limits.ipBanDuration(), prefix, clock);
        SessionRegistry sessions = new SessionRegistry();
        AbuseGuard abuse = new AbuseGuard(limits, shared, sessions, ips, audit, clock, metrics);
        LoginThrottle throttle = new LoginThrottle(limits.loginFailuresPerUser(), limits.loginFailuresPerIp(), clock);
        scheduler.scheduleAtFixedRate(liveness.guard("purge of idle limits", () -> {
            abuse.purgeIdle();
            throttle.purgeIdle();
        }), 1, 1, TimeUnit.MINUTES);

        TicketStore tickets = new TicketStore(shared, random, clock, auth.ticketTtl());
        Scheduler timers = new ExecutorScheduler(scheduler);
        SessionLifecycle lifecycle = new SessionLifecycle(verifier, shared, sessions, users, abuse, codec, audit,
                timers, clock, auth.expiryWarning(), auth.clockLeeway());
        shared.listenToSecurity(new SecurityEvents(lifecycle, abuse));
        long revalidate = auth.revalidateInterval().toMillis();
        // File checks (the users file) run on a thread of their own, never on the scheduler the deadlines need.
        ExecutorService revalidator = Executors.newSingleThreadExecutor(Threads.named("session-revalidator"));
        own(revalidator::shutdownNow);
        scheduler.scheduleAtFixedRate(liveness.guard("re-validation", () -> revalidator.execute(
                        liveness.guard("re-validation", lifecycle::revalidate))), revalidate, revalidate,
                TimeUnit.MILLISECONDS);
        if (auth.allows("query-token")) {
            log.warn("--auth-modes includes query-token: access tokens in URLs end up in proxy and browser logs."
                    + " Prefer tickets; Portcullis itself never logs the query string.");
        }

        Fernet fernet = loadFernet(random, clock);
        Duration fernetTtl = config.encryption().fernetTtl();
        Gatekeeper gatekeeper = new Gatekeeper(codec, verifier, audit, rooms, abuse, lifecycle, tickets,
                auth.allows("ticket"), fernet, fernetTtl.isZero() ? null : fernetTtl,
                timers, auth.timeout(), metrics);
        ConnectionConfig connections = config.connections();
        HttpConfig httpConfig = config.http();
        OpenFileLimit.Caps caps = OpenFileLimit.caps(limits.maxConnections(), limits.maxPendingConnections(),
                httpConfig.maxConnections(), OpenFileLimit.maxFiles());
        WebSocketListener ws = new WebSocketListener(new InetSocketAddress(listeners.bind(), listeners.wsPort()),
                connections.maxMessageBytes(), connections.maxOutboundBytes(), connections.memoryBudget(),
                connections.pingInterval(),
                connections.closeTimeout(), connections.handshakeTimeout(), origins, ips, forwardedFor,
                caps.connections(), caps.pending(), auth.modes(), gatekeeper, scheduler, metrics, tls, tlsTasks,
                liveness);
        ws.start();
        own(() -> ws.stop(STOP_GRACE_MILLIS, CloseReason.SERVER_SHUTDOWN.reason()));
        wsPort = awaitStart(ws);

        HttpApi http = own(HttpApi.start(new InetSocketAddress(listeners.bind(), listeners.httpPort()),
                new HttpConfig(httpConfig.requestTimeout(), httpConfig.threads(), httpConfig.maxRequestsPerIp(),
                        httpConfig.allowedHosts(), caps.http()),
                new HttpServices(logins, verifier, abuse, throttle, forwardedFor, prefix, origins, audit, clock,
                        tickets, shared, lifecycle, users, issuer, auth.allows("cookie"),
                        auth.tokenTtl(), metrics, auth.allows("ticket"), wsPort, liveness),
                auth.tokenTtl().toSeconds(), tls));
        httpPort = http.port();
        // Pages this HTTP listener serves (the browser demo) may open the WebSocket: they are not foreign sites.
        origins.allowOwn(OriginPolicy.ownOrigins(tls == null ? "http" : "https", listeners.bind(), httpPort));
        log.info("listening: ws={} http={}", wsPort, httpPort);
    }

    /**
     * Redis when --redis-url names one, waiting a little for it so a healthy cluster starts healthy; else the
     * in-process engine: memory, plus the revocation and block files in the data dir.
     */
    private SharedState openSharedState(Clock clock, AbuseConfig limits, String instance) throws IOException {
        StorageConfig storage = config.storage();
        Duration leeway = config.auth().clockLeeway();
        if (storage.redisUrl() != null) {
            RedisState redis = RedisState.start(storage.redisUrl(), instance, limits.rateLimit(), clock, leeway);
            try {
                redis.firstAvailable().get(REDIS_START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                log.info("cluster: shared state in Redis at {}, instance {}", redis.redactedUrl(), instance);
            } catch (TimeoutException | ExecutionException e) {
                log.warn("cluster: Redis at {} is not reachable yet; new auths are refused and /healthz answers 503"
                        + " until it is", redis.redactedUrl());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                redis.close();
                throw new IOException("interrupted while connecting to Redis", e);
            }
            return redis;
        }
        RevocationStore revocations = RevocationStore.open(storage.dataDir().resolve("revocations.log"), clock, leeway);
        Blocklist blocklist = Blocklist.open(storage.dataDir().resolve("blocks.json"), clock);
        return new LocalState(revocations, blocklist, new RateLimiter(limits.rateLimit(), clock), clock);
    }

    /** Keys from --fernet-keys, else from DATA_DIR/fernet.keys (one per line); none: encryption is off. */
    private Fernet loadFernet(SecureRandom random, Clock clock) throws IOException {
        List<String> texts = config.encryption().fernetKeys();
        Path file = config.storage().dataDir().resolve("fernet.keys");
        if (texts.isEmpty() && Files.exists(file)) {
            texts = Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        }
        if (texts.isEmpty()) {
            log.info("no Fernet keys: payload encryption is unavailable (see gen-fernet-key)");
            return null;
        }
        List<FernetKey> keys = new ArrayList<>();
        for (String text : texts) {
            keys.add(FernetKey.parse(text));
        }
        log.info("payload encryption available with {} Fernet key(s)", keys.size());
        return new Fernet(keys, random, clock);
    }

    private void createDataDir() throws IOException {
        PrivateFiles.createDirectories(config.storage().dataDir());
    }

    private JwtSecret loadSecret(SecureRandom random) throws IOException {
        Path file = config.auth().jwtSecretFile();
        if (config.auth().jwtSecretExplicit()) {
            if (!Files.exists(file)) {
                throw new IllegalArgumentException("JWT secret file " + file + " does not exist");
            }
            return JwtSecret.read(file);
        }
        JwtSecret.Loaded loaded = JwtSecret.readOrGenerate(file, random);
        if (loaded.generated()) {
            log.warn("NO JWT SECRET WAS CONFIGURED: generated a random 256-bit secret into {} (mode 0600)."
                    + " Tokens stay valid across restarts while that file is kept; back it up, or set"
                    + " --jwt-secret-file to share one secret between instances.", file);
        }
        return loaded.secret();
    }

    private static int awaitStart(WebSocketListener ws) throws IOException {
        try {
            return ws.started().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("WebSocket listener could not start: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("WebSocket listener did not start within " + START_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting", e);
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.add(resource);
        return resource;
    }

    public int wsPort() {
        return wsPort;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The server's metrics, as {@code GET /metrics} shows them. */
    public Metrics metrics() {
        return metrics;
    }

    /** The security event log; {@link AuditLog#flush()} makes what was recorded so far readable in its file. */
    public AuditLog audit() {
        return audit;
    }

    /** The live rooms, for tests and metrics. */
    public RoomService rooms() {
        return rooms;
    }

    /** The one line printed to stdout when both listeners are up. */
    public String readyLine() {
        String bind = config.listeners().bind();
        String host = bind.indexOf(':') >= 0 ? "[" + bind + "]" : bind;
        String s = config.listeners().tls() ? "s" : "";
        return "portcullis ready ws=ws" + s + "://" + host + ":" + wsPort + " http=http" + s + "://" + host + ":" + httpPort;
    }

    /** Whether every part the server needs is alive, and what died first if not. */
    public Liveness liveness() {
        return liveness;
    }

    /** Blocks until {@link #close()} has finished or something fatal has happened ({@link #liveness()} says which). */
    public void awaitStop() throws InterruptedException {
        try {
            CompletableFuture.anyOf(stopped, liveness.failed()).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // neither ever completes exceptionally
        }
    }

    /** Closes every WebSocket with 1001, stops the listeners and flushes the audit log. Idempotent. */
    @Override
    public synchronized void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("error while stopping: {}", e.toString());
            }
        }
        resources.clear();
        stopped.complete(null);
    }
}
