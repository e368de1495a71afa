package dev.portcullis.hostile;

import dev.portcullis.client.ClientListener;
import dev.portcullis.client.PortcullisClient;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.TestServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The honest user an attack must not hurt: on a thread of its own, ten times a second, it logs in over HTTP
 * and sends a message through the gate to a room it is in, timing both, and keeps count of what failed or
 * took longer than {@link #PATIENCE}. Also samples the server's memory from {@code /metrics} as it goes.
 */
final class HonestClient implements AutoCloseable {
    /** Longer than this is a failure: the attack denied service. */
    static final Duration PATIENCE = Duration.ofSeconds(5);
    private static final Duration PERIOD = Duration.ofMillis(100);

    /** What the honest client saw, with the memory figures sampled meanwhile. */
    record Report(List<Long> loginMicros, List<Long> roundTripMicros, List<String> failures, long maxPeerHeld,
                  long maxHeapAfterGc, long budget, long heapMax, int disconnects) {
        long p99(List<Long> micros) {
            List<Long> sorted = new ArrayList<>(micros);
            Collections.sort(sorted);
            return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
        }

        @Override
        public String toString() {
            return String.format("honest client: %d logins (p99 %.1f ms), %d round trips (p99 %.1f ms), %d failures %s,"
                            + " %d disconnects; peers held at most %.1f MiB of a %.1f MiB budget; heap after GC at most"
                            + " %.1f of %.1f MiB", loginMicros.size(), p99(loginMicros) / 1e3, roundTripMicros.size(),
                    p99(roundTripMicros) / 1e3, failures.size(), failures, disconnects, maxPeerHeld / 1048576.0,
                    budget / 1048576.0, maxHeapAfterGc / 1048576.0, heapMax / 1048576.0);
        }
    }

    private final SmallHeapServer server;
    private final PortcullisClient client;
    private final HttpClient http = HttpClient.newHttpClient();
    /** Runs the rounds, one at a time, every {@link #PERIOD}: within the default message rate of one user. */
    private final ScheduledExecutorService rounds = Executors.newSingleThreadScheduledExecutor();
    /** Written by the rounds' thread only, read after it has ended. */
    private final List<Long> logins = new ArrayList<>();
    private final List<Long> roundTrips = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private long maxPeerHeld;
    private long maxHeapAfterGc;
    private long budget;
    private long heapMax;
    private final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();

    HonestClient(SmallHeapServer server) throws InterruptedException {
        this.server = server;
        this.client = PortcullisClient.builder().httpUri(server.httpUri("")).wsUri(server.wsUri())
                .credentials("bob", TestServer.PASSWORD).backoff(Clients.FAST).timeout(PATIENCE)
                .listener(new ClientListener() {
                    @Override
                    public void onClosed(int code, String reason) {
                        disconnects.incrementAndGet();
                    }
                }).build();
        client.connect();
        Clients.get(client.join("honest"));
        rounds.scheduleWithFixedDelay(this::round, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One login, one message and one look at the server's memory; runs on {@link #rounds} only. */
    private void round() {
        String login = "{\"username\":\"bob\",\"password\":\"" + TestServer.PASSWORD + "\"}";
        long start = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.httpUri("/auth/login")).timeout(PATIENCE)
                    .POST(HttpRequest.BodyPublishers.ofString(login)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                logins.add((System.nanoTime() - start) / 1000);
            } else {
                failures.add("login " + r.statusCode() + " " + r.body().strip());
            }
        } catch (Exception e) {
            failures.add("login " + e);
        }
        start = System.nanoTime();
        try {
            client.send("honest", "{\"n\":" + roundTrips.size() + "}", null).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            roundTrips.add((System.nanoTime() - start) / 1000);
        } catch (Exception e) {
            failures.add("message " + e);
        }
        try {
            var m = server.metrics();
            maxPeerHeld = Math.max(maxPeerHeld, m.getOrDefault("portcullis_peer_held_bytes", 0.0).longValue());
            maxHeapAfterGc = Math.max(maxHeapAfterGc, m.getOrDefault("portcullis_heap_after_gc_bytes", 0.0).longValue());
            budget = m.getOrDefault("portcullis_memory_budget_bytes", 0.0).longValue();
            heapMax = m.getOrDefault("portcullis_heap_max_bytes", 0.0).longValue();
        } catch (RuntimeException e) {
            failures.add("metrics " + e);
        }
        done.incrementAndGet();
    }

    /** Rounds done so far; any thread. */
    int rounds() {
        return done.get();
    }

    private void awaitRounds() throws InterruptedException {
        rounds.shutdown();
        rounds.awaitTermination(PATIENCE.toMillis() * 3, TimeUnit.MILLISECONDS);
    }

    /** Stops and says what it saw; every failure is one the attack caused. */
    Report stop() throws InterruptedException {
        awaitRounds();
        return new Report(List.copyOf(logins), List.copyOf(roundTrips), List.copyOf(failures), maxPeerHeld,
                maxHeapAfterGc, budget, heapMax, disconnects.get());
    }

    @Override
    public void close() throws InterruptedException {
        awaitRounds();
        client.close();
    }
}
