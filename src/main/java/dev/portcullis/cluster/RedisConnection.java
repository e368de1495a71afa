package dev.portcullis.cluster;

import dev.portcullis.platform.Threads;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * One instance's connection to Redis: the thread its commands run on, the subscriber beside it, and the
 * reconnects with backoff; it is available only once its {@link Owner} has caught up.
 */
final class RedisConnection {
    /*
     * One command thread, one connection: calls run in the order they were made (a leave submitted after a
     * join runs after it, a session's messages keep their order), and nothing blocks a caller. While Redis is
     * out of reach every call fails at once; the same thread reconnects with backoff.
     *
     * Each connect starts a generation: a command connection and a subscriber connection with a thread of its
     * own. Either failing ends the generation; the subscriber's end makes the connection unavailable at once,
     * since an announcement may already be missed, and the owner stops trusting what it could have changed.
     *
     * Liveness: each instance refreshes a key with a short TTL, so the others can tell when it crashed. The
     * heartbeat also checks the epoch key and the subscriber's pong: a flush under a live connection, or a
     * subscriber gone quiet, is caught up as after a restart.
     */
    private static final Logger log = LoggerFactory.getLogger(RedisConnection.class);

    /**
     * What the connection needs of the state it serves. Called on the command thread unless said otherwise.
     */
    interface Owner {
        /** The channels a new connection subscribes to; Redis confirms them all before anything runs on it. */
        List<String> channels();

        /** Redis lost its data (the epoch key changed): gives it back what this instance knows. */
        void reseed(Jedis redis);

        /** Brings this instance and Redis level after a connect; returns what to run once available again. */
        Runnable catchUp(Jedis redis);

        /** Whether what catchUp loaded still holds; asked in the very step that makes the connection available. */
        boolean caughtUp();

        /**
         * The connection is lost or going: stop trusting what an unheard announcement could change. Also on the
         * subscriber thread, in step with the connection turning unavailable.
         */
        void lost();

        /** A message on a subscribed channel; on the subscriber thread. */
        void message(String channel, String message);

        /** Redis confirmed an unsubscribe; on the subscriber thread, after the channel's last message. */
        void unsubscribed(String channel);
    }

    /** The body of a call: commands on the connection, run on the command thread. */
    @FunctionalInterface
    interface Command<T> {
        T run(Jedis redis) throws Exception;
    }

    private final RedisUrl url;
    private final String instanceId;
    private final RedisTimings timings;
    private final Owner owner;
    private final ScheduledThreadPoolExecutor commands =
            new ScheduledThreadPoolExecutor(1, Threads.named("redis-commands"));
    private final String livenessKey;
    private final CompletableFuture<Void> firstAvailable = new CompletableFuture<>();

    private volatile boolean available;
    private volatile boolean closed;
    /** Which connection is current; a subscriber of an older one ending is no news. */
    private volatile int generation;
    private volatile long lastPongNanos;
    /** Guards the step from one generation to the next against a subscriber that ends at the same moment. */
    private final Object transitions = new Object();

    // Command thread only.
    private Jedis command;
    private Jedis subscriberConnection;
    private Subscriber subscriber;
    /** The channels the current subscriber has confirmed. */
    private final Set<String> subscribed = new HashSet<>();
    private String knownEpoch;
    private long backoffMillis;
    private boolean reconnectScheduled;
    private boolean reportedDown;

    RedisConnection(RedisUrl url, String instanceId, RedisTimings timings, Owner owner) {
        this.url = url;
        this.instanceId = instanceId;
        this.timings = timings;
        this.owner = owner;
        this.livenessKey = RedisKeys.liveness(instanceId);
        commands.setRemoveOnCancelPolicy(true);
        commands.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Starts connecting, and the heartbeat, and returns at once. */
    void start() {
        commands.execute(this::connect);
        every(timings.heartbeat(), this::heartbeat);
    }

    /** Runs {@code task} on the command thread every {@code period}, until closed. */
    void every(Duration period, Runnable task) {
        long millis = period.toMillis();
        commands.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // An exception would cancel the schedule for good; the next round may well succeed.
                log.warn("redis upkeep failed: {}", e.toString());
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    boolean available() {
        return available;
    }

    /** Completes the first time this connection is available; fails if it is closed before. */
    CompletableFuture<Void> firstAvailable() {
        return firstAvailable;
    }

    // ---- running commands

    private static BrokerUnavailableException unavailable() {
        return new BrokerUnavailableException("redis unavailable");
    }

    /** Runs {@code body} on the command thread, failing at once and without queueing while Redis is out of reach. */
    <T> CompletableFuture<T> call(Command<T> body) {
        if (!available) {
            return CompletableFuture.failedFuture(unavailable());
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            commands.execute(() -> {
                if (!available) {
                    result.completeExceptionally(unavailable());
                    return;
                }
                try {
                    result.complete(body.run(command));
                } catch (JedisException e) {
                    connectionLost(generation, e);
                    result.completeExceptionally(new BrokerUnavailableException("redis unavailable", e));
                } catch (Exception e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new BrokerUnavailableException("closed"));
        }
        return result;
    }

    /**
     * Runs {@code body} on the command thread in order with the calls, even while Redis is out of reach: it gets
     * the connection, or null then. The result fails as unavailable if Redis was out of reach when this was
     * called or when the body ran.
     */
    CompletableFuture<Void> callEvenIfDown(Consumer<Jedis> body) {
        boolean wasAvailable = available;
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            commands.execute(() -> {
                try {
                    Jedis redis = available ? command : null;
                    body.accept(redis);
                    if (redis != null) {
                        result.complete(null);
                    } else {
                        result.completeExceptionally(unavailable());
                    }
                } catch (JedisException e) {
                    connectionLost(generation, e);
                    result.completeExceptionally(new BrokerUnavailableException("redis unavailable", e));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new BrokerUnavailableException("closed"));
        }
        return wasAvailable ? result : CompletableFuture.failedFuture(unavailable());
    }

    /** Upkeep on the command thread: runs {@code task} if Redis is available; its failure gives the connection up. */
    void ifAvailable(Consumer<Jedis> task) {
        if (!available || closed) {
            return;
        }
        int gen = generation;
        try {
            task.accept(command);
        } catch (JedisException e) {
            connectionLost(gen, e);
        }
    }

    void submit(Runnable task) {
        try {
            commands.execute(task);
        } catch (RejectedExecutionException e) {
            // closing: nothing left to tidy
        }
    }

    // ---- subscriptions (command thread)

    /** Subscribes to {@code channel} and waits for Redis to confirm, so no message after this returns is missed. */
    void subscribe(String channel) throws InterruptedException {
        if (subscribed.contains(channel)) {
            return;
        }
        CompletableFuture<Void> confirmed = subscriber.expect(channel);
        subscriber.subscribe(channel);
        awaitConfirmation(confirmed);
        subscribed.add(channel);
    }

    /** Unsubscribes from {@code channel}; the owner hears Redis confirm it after the channel's last message. */
    void unsubscribe(String channel) {
        if (subscribed.remove(channel) && subscriber != null) {
            try {
                subscriber.unsubscribe(channel);
            } catch (RuntimeException e) {
                log.debug("unsubscribe failed; the connection is going: {}", e.toString());
            }
        }
    }

    private void awaitConfirmation(CompletableFuture<Void> confirmed) throws InterruptedException {
        try {
            confirmed.get(timings.socketTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new JedisException("redis did not confirm a subscription");
        }
    }

    // ---- connection upkeep (command thread)

    private Jedis open() {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timings.connectTimeoutMillis())
                .socketTimeoutMillis(timings.socketTimeoutMillis())
                .database(url.database())
                .clientName("portcullis-" + instanceId)
                // RESP2 explicitly: pub/sub replies are parsed as such, and Jedis warns when left to negotiate.
                .autoNegotiateProtocol(false)
                .resp2();
        if (url.user() != null) {
            config.user(url.user());
        }
        if (url.password() != null) {
            config.password(url.password());
        }
        if (url.tls()) {
            // FULL: the certificate must chain to a trusted CA (the JDK's, or javax.net.ssl.trustStore) and name
            // the host; anything less lets a man in the middle read the password and the tickets.
            config.sslOptions(SslOptions.builder().sslVerifyMode(SslVerifyMode.FULL).build());
        }
        return new Jedis(new HostAndPort(url.host(), url.port()), config.build());
    }

    private void connect() {
        reconnectScheduled = false;
        if (closed || available) {
            return;
        }
        int gen;
        synchronized (transitions) {
            gen = ++generation;
        }
        try {
            command = open();
            command.ping();
            startSubscriber(gen);
            String epoch = epoch();
            if (knownEpoch != null && !knownEpoch.equals(epoch)) {
                log.warn("redis lost its data (restarted empty?): seeding it again with what this instance knows");
                owner.reseed(command);
            }
            knownEpoch = epoch;
            Runnable onceAvailable = owner.catchUp(command);
            beat();
            synchronized (transitions) {
                if (gen != generation || !owner.caughtUp()) {
                    throw new JedisException("connection lost while catching up");
                }
                available = true;
            }
            backoffMillis = 0;
            log.info("redis {} at {} (instance {})", reportedDown ? "is back" : "connected", url.redacted(), instanceId);
            reportedDown = false;
            firstAvailable.complete(null);
            // Only now: what the owner runs may need the connection available.
            onceAvailable.run();
        } catch (Exception e) {
            if (!reportedDown) {
                log.warn("redis at {} unavailable: {}; retrying", url.redacted(), describe(e));
                reportedDown = true;
            }
            disconnect();
            scheduleReconnect();
        }
    }

    private String epoch() {
        String epoch = command.get(RedisKeys.EPOCH);
        if (epoch == null) {
            command.set(RedisKeys.EPOCH, UUID.randomUUID().toString(), SetParams.setParams().nx());
            epoch = command.get(RedisKeys.EPOCH);
        }
        return epoch;
    }

    private void startSubscriber(int gen) throws InterruptedException {
        Subscriber s = new Subscriber(gen);
        List<String> channels = owner.channels();
        List<CompletableFuture<Void>> confirmations = channels.stream().map(s::expect).toList();
        Jedis connection = open();
        subscriberConnection = connection;
        subscriber = s;
        lastPongNanos = System.nanoTime();
        Thread t = new Thread(() -> runSubscriber(s, connection, channels), "redis-subscriber");
        t.setDaemon(true);
        t.start();
        for (CompletableFuture<Void> c : confirmations) {
            awaitConfirmation(c);
        }
        subscribed.clear();
        subscribed.addAll(channels);
    }

    private void runSubscriber(Subscriber s, Jedis connection, List<String> channels) {
        Exception failure = null;
        try {
            connection.subscribe(s, channels.toArray(String[]::new));
        } catch (Exception e) {
            failure = e;
        } finally {
            s.failPending();
        }
        synchronized (transitions) {
            if (closed || s.generation != generation) {
                return;
            }
            // At once, not when the command thread gets to it: an announcement may already be missed.
            available = false;
            owner.lost();
        }
        Exception cause = failure;
        submit(() -> connectionLost(s.generation, cause));
    }

    /** Gives up the current connection (a command or the subscriber failed) and starts reconnecting. */
    private void connectionLost(int gen, Exception cause) {
        synchronized (transitions) {
            if (gen != generation || closed) {
                return;
            }
            available = false;
            owner.lost();
            generation++;
        }
        if (!reportedDown) {
            log.warn("redis at {} lost: {}; reconnecting", url.redacted(), describe(cause));
            reportedDown = true;
        }
        disconnect();
        scheduleReconnect();
    }

    private static String describe(Exception e) {
        if (e == null) {
            return "connection closed";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        // Class and message only: Redis error texts carry no credentials, and stack traces add nothing here.
        return root == e ? e.toString() : e + " (" + root + ")";
    }

    private void disconnect() {
        owner.lost();
        subscribed.clear();
        if (subscriber != null) {
            subscriber.failPending();
            subscriber = null;
        }
        closeQuietly(subscriberConnection);
        subscriberConnection = null;
        closeQuietly(command);
        command = null;
    }

    private static void closeQuietly(Jedis jedis) {
        if (jedis != null) {
            try {
                jedis.disconnect();
            } catch (RuntimeException e) {
                // already gone
            }
        }
    }

    private void scheduleReconnect() {
        if (closed || reconnectScheduled) {
            return;
        }
        long cap = timings.backoffCap().toMillis();
        backoffMillis = backoffMillis == 0 ? 50 : Math.min(cap, backoffMillis * 2);
        // Half fixed, half random: instances that lost Redis together do not all come back in step.
        long delay = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
        reconnectScheduled = true;
        try {
            commands.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            reconnectScheduled = false;
        }
    }

    private void beat() {
        command.set(livenessKey, "1", SetParams.setParams().px(timings.livenessTtl().toMillis()));
        command.sadd(RedisKeys.INSTANCES, instanceId);
    }

    private void heartbeat() {
        if (!available || closed) {
            return;
        }
        int gen = generation;
        try {
            beat();
            if (!knownEpoch.equals(command.get(RedisKeys.EPOCH))) {
                // Flushed under a live connection: catch up as after a restart.
                throw new JedisException("redis lost its data");
            }
            long silent = System.nanoTime() - lastPongNanos;
            if (silent > TimeUnit.MILLISECONDS.toNanos(3 * timings.heartbeat().toMillis() + timings.socketTimeoutMillis())) {
                throw new JedisException("no answer on the subscriber connection");
            }
            subscriber.ping();
        } catch (JedisException e) {
            connectionLost(gen, e);
        }
    }

    /** The pub/sub side of one connection: confirmations the command thread waits for, and delivery. */
    private final class Subscriber extends JedisPubSub {
        final int generation;
        private final ConcurrentHashMap<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();

        Subscriber(int generation) {
            this.generation = generation;
        }

        CompletableFuture<Void> expect(String channel) {
            return pending.computeIfAbsent(channel, c -> new CompletableFuture<>());
        }

        void failPending() {
            pending.values().forEach(f -> f.completeExceptionally(new BrokerUnavailableException("subscriber closed")));
            pending.clear();
        }

        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            CompletableFuture<Void> f = pending.remove(channel);
            if (f != null) {
                f.complete(null);
            }
        }

        @Override
        public void onUnsubscribe(String channel, int subscribedChannels) {
            owner.unsubscribed(channel);
        }

        @Override
        public void onMessage(String channel, String message) {
            owner.message(channel, message);
        }

        @Override
        public void onPong(String pattern) {
            lastPongNanos = System.nanoTime();
        }
    }

    // ---- closing

    /** Stops without leaving anything: as if the process had been killed. For tests of the sweep. */
    void abandon() {
        closed = true;
        available = false;
        commands.shutdownNow();
        closeQuietly(subscriberConnection);
        closeQuietly(command);
    }

    /**
     * Runs {@code farewell} and takes this instance off the list of instances, if Redis is available, then
     * disconnects and stops the command thread. Waits at most a socket timeout and a second.
     */
    void close(Consumer<Jedis> farewell) {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            commands.execute(() -> {
                try {
                    if (available && command != null) {
                        farewell.accept(command);
                        command.srem(RedisKeys.INSTANCES, instanceId);
                    }
                } catch (RuntimeException e) {
                    log.debug("redis cleanup at close failed: {}", e.toString());
                } finally {
                    available = false;
                    disconnect();
                    done.complete(null);
                }
            });
            done.get(timings.socketTimeoutMillis() + 1000L, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            log.debug("redis cleanup at close skipped: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            available = false;
            commands.shutdownNow();
            firstAvailable.completeExceptionally(new BrokerUnavailableException("closed"));
        }
    }
}
