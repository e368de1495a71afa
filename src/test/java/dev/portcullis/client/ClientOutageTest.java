package dev.portcullis.client;

import static dev.portcullis.testing.Clients.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import dev.portcullis.testing.Clients;
import dev.portcullis.testing.MutableClock;
import dev.portcullis.testing.Recorder;
import dev.portcullis.testing.RecordingHttpClient;
import dev.portcullis.testing.RedisServer;
import dev.portcullis.testing.TestServer;
import dev.portcullis.testing.Tokens;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client through what passes (protocol.md §5, §6, §7, §15): a cluster instance cut off from its
 * redis-server, which the tests kill and start again, and the rate limit. The client retries what the
 * server did not judge, and forgets only what it refused for good.
 */
class ClientOutageTest {
    /** Catching up after Redis is back takes the instance a reconnect with backoff (§15); generous for a loaded machine. */
    private static final Duration BACK = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private RedisServer redis;
    private final List<TestServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(TestServer::close);
        if (redis != null) {
            redis.close();
        }
    }

    private TestServer start(MutableClock clock, String... args) {
        TestServer s = TestServer.start(dir, clock, args);
        servers.add(s);
        return s;
    }

    private static HttpResponse<String> health(TestServer s) {
        return s.send(HttpRequest.newBuilder(s.httpUri("/healthz")).GET().build());
    }

    /** Kills Redis and waits until the instance says it is cut off (§7.2). */
    private void cutOff(TestServer s) {
        redis.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> health(s).statusCode() == 503);
    }

    /** A {@link Recorder} that also notes when each error and joined arrived, to time the retries. */
    private static final class Timed extends Recorder {
        record Answer(String what, long nanos) {
        }

        final List<Answer> answers = new CopyOnWriteArrayList<>();

        @Override
        public void onError(String code, String message) {
            answers.add(new Answer(code, System.nanoTime()));
            super.onError(code, message);
        }

        @Override
        public void onJoined(String room, List<String> members) {
            answers.add(new Answer("joined " + room, System.nanoTime()));
            super.onJoined(room, members);
        }
    }

    @Test
    @DisplayName("§5, §6, §15: re-joins after a reconnect refused with rate_limited (retried no sooner than retry_after_ms) and broker_unavailable (Redis killed) are asked again until Redis is back; the rooms are never forgotten")
    void rejoinsThroughRateLimitAndOutage() throws Exception {
        redis = RedisServer.start();
        // A bucket of 2 on a clock that stands still, shared by both instances: once spent it stays spent,
        // and every refusal says retry_after_ms 100. Only a fresh Redis (restarted empty) refills it.
        MutableClock clock = MutableClock.atNow();
        TestServer first = start(clock, "--redis-url", redis.url(), "--rate-limit", "bucket:2:10");
        String[] again = {"--redis-url", redis.url(), "--rate-limit", "bucket:2:10",
                "--ws-port", Integer.toString(first.wsPort()), "--http-port", Integer.toString(first.httpUri("").getPort())};
        Timed r = new Timed();
        try (PortcullisClient alice = Clients.of(first, "alice", r).build()) {
            alice.connect();
            get(alice.join("a"));
            get(alice.join("b")); // the bucket is empty now

            first.close(); // 1001: the client reconnects, to the instance started again on the same ports
            await().until(() -> r.all(Recorder.Closed.class).contains(new Recorder.Closed(1001, "Server shutting down")));
            TestServer second = start(clock, again);
            await().until(() -> r.all(Recorder.Authenticated.class).size() == 2);
            await().until(() -> r.answers.stream().filter(a -> a.what().equals("rate_limited")).count() >= 2);
            cutOff(second);
            await().atMost(BACK).until(() -> r.all(Recorder.Error.class).stream().anyMatch(e -> e.code().equals("broker_unavailable")));
            assertEquals(Set.of("a", "b"), alice.rooms(), "refusals that pass forget nothing");

            // The re-joins of the reconnect are answered rate_limited together; whatever answers next
            // answers a retry, which waited at least the 100 ms the refusal asked for.
            List<Timed.Answer> answers = List.copyOf(r.answers);
            int firstLimited = answers.indexOf(answers.stream().filter(a -> a.what().equals("rate_limited")).findFirst().orElseThrow());
            Timed.Answer burstEnd = answers.get(firstLimited + 1);
            assertEquals("rate_limited", burstEnd.what(), answers::toString);
            Timed.Answer retried = answers.get(firstLimited + 2);
            assertTrue(retried.nanos() - burstEnd.nanos() >= Duration.ofMillis(100).toNanos(),
                    () -> "the first retry came " + (retried.nanos() - burstEnd.nanos()) / 1_000_000 + " ms after rate_limited");

            redis.restart();
            await().atMost(BACK).until(() -> r.all(Recorder.Joined.class).size() == 4);
            assertEquals(Set.of("a", "b"), Set.copyOf(r.all(Recorder.Joined.class).subList(2, 4).stream().map(Recorder.Joined::room).toList()));
            assertEquals(Set.of("a", "b"), alice.rooms());
            assertEquals(ClientState.AUTHENTICATED, alice.state());
            assertEquals(2, r.all(Recorder.Authenticated.class).size(), "the retries needed no reconnect");
            assertTrue(r.all(Recorder.Error.class).stream().allMatch(e -> Set.of("rate_limited", "broker_unavailable").contains(e.code())),
                    () -> r.all(Recorder.Error.class).toString());
            // The instance really has alice in both rooms again.
            try (PortcullisClient bob = Clients.connected(second, "bob")) {
                assertEquals(List.of("alice", "bob"), get(bob.join("a")));
                assertEquals(List.of("alice", "bob"), get(bob.join("b")));
            }
        }
    }

    @Test
    @DisplayName("§5: a re-join refused with access_denied forgets that room for good, and only that one")
    void rejoinDeniedForgetsTheRoom() throws Exception {
        TestServer server = start(MutableClock.atNow(), "--revalidate-interval", "100ms");
        // The first token may join chat-a and chat-b; after it expires the next one only chat-a.
        List<String> tokens = List.of(
                Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofMinutes(10))
                        .withClaim("rooms", List.of("chat-a", "chat-b")), TestServer.SECRET),
                Tokens.hs256(Tokens.claims("alice", server.clock(), Duration.ofHours(2))
                        .withClaim("rooms", List.of("chat-a")), TestServer.SECRET));
        AtomicInteger calls = new AtomicInteger();
        Recorder r = new Recorder();
        try (PortcullisClient alice = PortcullisClient.builder()
                .wsUri(server.wsUri()).clock(server.clock()).backoff(Clients.FAST).listener(r)
                .tokenSupplier(() -> tokens.get(Math.min(calls.getAndIncrement(), 1)))
                .build()) {
            alice.connect();
            get(alice.join("chat-a"));
            get(alice.join("chat-b"));
            server.clock().advance(Duration.ofMinutes(11)); // the first token ends: Token expired, a new token, re-joins
            await().until(() -> r.all(Recorder.Error.class).size() == 1 && r.all(Recorder.Joined.class).size() == 3);
            assertEquals("access_denied", r.all(Recorder.Error.class).get(0).code());
            assertEquals("chat-a", r.all(Recorder.Joined.class).get(2).room());
            await().until(() -> alice.rooms().equals(Set.of("chat-a")));
            // No second try: a denied join is a violation (§12.2).
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> r.all(Recorder.Error.class).size() == 1);
        }
    }

    @Test
    @DisplayName("§7.5, §15: POST /auth/refresh answered 503 broker_unavailable is retried after Retry-After, not taken for a refusal; the refresh goes through once Redis is back")
    void httpRefreshRetriedOn503() throws Exception {
        redis = RedisServer.start();
        TestServer server = start(MutableClock.atNow(), "--redis-url", redis.url(), "--expiry-warning", "30s", "--clock-leeway", "0s");
        String token = server.login("alice", TestServer.PASSWORD);
        Instant exp = JWT.decode(token).getExpiresAtAsInstant();
        // Half a second short of the warning: the server's warning timer looks at the clock twice a second.
        server.clock().set(exp.minusSeconds(30).minusMillis(500));
        AtomicInteger supplied = new AtomicInteger();
        Recorder r = new Recorder();
        RecordingHttpClient http = new RecordingHttpClient(HttpClient.newHttpClient());
        try (PortcullisClient alice = PortcullisClient.builder()
                .httpUri(server.httpUri("")).wsUri(server.wsUri()).clock(server.clock())
                .backoff(Clients.FAST).listener(r).httpClient(http)
                .tokenSupplier(() -> {
                    supplied.incrementAndGet();
                    return token;
                })
                .build()) {
            alice.connect();
            cutOff(server);
            HttpResponse<String> refused = server.send(HttpRequest.newBuilder(server.httpUri("/auth/refresh"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(503, refused.statusCode(), "what the client meets: " + refused.body());
            server.clock().set(exp.minusSeconds(30)); // expiring now; the client's POST /auth/refresh gets 503 too

            // Through a few of those answers (Retry-After: 1) the client neither gives up nor falls back to a new credential.
            await().untilAsserted(() -> assertTrue(http.answered("POST", "/auth/refresh", 503) >= 3,
                    () -> "the client's answers: " + http.answers() + "; events: " + r.events));
            assertTrue(r.all(Recorder.Refreshed.class).isEmpty());
            assertEquals(ClientState.AUTHENTICATED, alice.state());

            redis.restart();
            await().atMost(BACK).until(() -> !r.all(Recorder.Refreshed.class).isEmpty());
            assertTrue(alice.expiresAt().orElseThrow().isAfter(exp.plusSeconds(600)), "a fresh token: " + alice.expiresAt());
            assertEquals(1, supplied.get(), "the 503 was retried, not answered with a new credential");
            assertEquals(List.of(), r.all(Recorder.Error.class), "no refresh went out before a token came back");
            assertTrue(r.all(Recorder.Closed.class).isEmpty());
        }
    }

    @Test
    @DisplayName("§5, §15: a refresh refused with broker_unavailable is offered again with the same token until Redis is back, within the connection's life")
    void refreshRetriedOnBrokerUnavailable() throws Exception {
        redis = RedisServer.start();
        TestServer server = start(MutableClock.atNow(), "--redis-url", redis.url(), "--expiry-warning", "30s", "--clock-leeway", "0s");
        String token = server.login("alice", TestServer.PASSWORD);
        Instant exp = JWT.decode(token).getExpiresAtAsInstant();
        server.clock().set(exp.minusSeconds(30).minusMillis(500));
        String next = server.login("alice", TestServer.PASSWORD);
        AtomicInteger calls = new AtomicInteger();
        Recorder r = new Recorder();
        // No HTTP API: the token to refresh with comes from the supplier, while Redis is down.
        try (PortcullisClient alice = PortcullisClient.builder()
                .wsUri(server.wsUri()).clock(server.clock()).backoff(Clients.FAST).listener(r)
                .tokenSupplier(() -> calls.getAndIncrement() == 0 ? token : next)
                .build()) {
            alice.connect();
            cutOff(server);
            server.clock().set(exp.minusSeconds(30));
            await().atMost(BACK).until(() -> r.all(Recorder.Error.class).size() >= 3);
            assertTrue(r.all(Recorder.Error.class).stream().allMatch(e -> e.code().equals("broker_unavailable")),
                    () -> r.all(Recorder.Error.class).toString());
            assertTrue(r.all(Recorder.Refreshed.class).isEmpty());

            redis.restart();
            await().atMost(BACK).until(() -> !r.all(Recorder.Refreshed.class).isEmpty());
            assertEquals(JWT.decode(next).getExpiresAtAsInstant(), alice.expiresAt().orElseThrow());
            assertEquals(2, calls.get(), "the same token offered again, not a new one each time");
            assertEquals(ClientState.AUTHENTICATED, alice.state());
        }
    }
}
