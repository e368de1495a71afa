package dev.portcullis.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.limit.Blocklist;
import dev.portcullis.limit.RateLimiter;
import dev.portcullis.limit.RateSpec;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.MutableClock;
import dev.portcullis.testing.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;

/** Two or three RedisState instances against one real redis-server, as instances of one cluster. */
@Timeout(60)
class RedisStateTest {
    private static final RedisTimings FAST = new RedisTimings(Duration.ofMillis(200), Duration.ofSeconds(1),
            Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(400), 1000, 2000);

    private RedisServer redis;
    private final List<RedisState> started = new ArrayList<>();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    /** Everything an instance's listener heard. */
    static final class Recorder implements RoomEventListener, SecurityEventListener {
        final List<RoomEvent> events = new CopyOnWriteArrayList<>();
        final Set<String> revoked = ConcurrentHashMap.newKeySet();
        final Set<String> blocked = ConcurrentHashMap.newKeySet();

        @Override
        public void roomEvent(RoomEvent event) {
            events.add(event);
        }

        @Override
        public void revoked(String user) {
            revoked.add(user);
        }

        @Override
        public void blocked(String user) {
            blocked.add(user);
        }

        List<RoomEvent.Message> messages(String room) {
            return events.stream().filter(e -> e.room().equals(room) && e instanceof RoomEvent.Message)
                    .map(e -> (RoomEvent.Message) e).toList();
        }

        <T extends RoomEvent> List<T> of(Class<T> type, String room) {
            return events.stream().filter(e -> e.room().equals(room) && type.isInstance(e)).map(type::cast).toList();
        }
    }

    @BeforeEach
    void startRedis() {
        redis = RedisServer.start();
    }

    @AfterEach
    void stopAll() {
        started.forEach(RedisState::close);
        if (redis != null) {
            redis.close();
        }
    }

    private RedisState instance(String id, Recorder recorder) {
        return instance(id, recorder, RateSpec.OFF, clock);
    }

    private RedisState instance(String id, Recorder recorder, RateSpec rate, Clock clock) {
        return instance(redis.url(), id, recorder, rate, clock);
    }

    private RedisState instance(String url, String id, Recorder recorder, RateSpec rate, Clock clock) {
        RedisState state = RedisState.start(RedisUrl.parse(url), id, rate, clock, Duration.ofSeconds(5), FAST);
        started.add(state);
        state.listenToRooms(recorder);
        state.listenToSecurity(recorder);
        await().atMost(Duration.ofSeconds(5)).until(state::available);
        return state;
    }

    private static VerifiedToken token(String user, String jti, Instant iat) {
        return new VerifiedToken(user, List.of("user"), iat, iat.plus(Duration.ofHours(1)), jti, Optional.empty());
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        return e.getCause();
    }

    /**
     * The failure of a call made while Redis is out of reach, which must come at once: the future is already
     * failed when the call returns, so it was never queued behind, or waiting on, a Redis attempt.
     */
    private static Throwable failedAtOnce(CompletableFuture<?> f) {
        assertTrue(f.isDone(), "failures must be immediate: the call returned a pending future");
        return failure(f);
    }

    // ---- tickets

    @Test
    void aTicketPutOnOneInstanceIsTakenOnceOnAnother() throws Exception {
        RedisState a = instance("a", new Recorder());
        RedisState b = instance("b", new Recorder());
        VerifiedToken alice = new VerifiedToken("alice", List.of("admin", "user"), clock.instant(),
                clock.instant().plusSeconds(3600), null, Optional.of(List.of("lobby", "team-*")));
        get(a.putTicket("digest-1", alice, clock.instant().plusSeconds(30)));

        assertEquals(Optional.of(alice), get(b.takeTicket("digest-1")));
        assertEquals(Optional.empty(), get(a.takeTicket("digest-1")));
        assertEquals(Optional.empty(), get(b.takeTicket("digest-1")));
    }

    @Test
    void concurrentTakesOnThreeInstancesRedeemEachTicketOnce() throws Exception {
        List<RedisState> all = List.of(instance("a", new Recorder()), instance("b", new Recorder()),
                instance("c", new Recorder()));
        int tickets = 40;
        for (int i = 0; i < tickets; i++) {
            get(all.get(i % 3).putTicket("t" + i, token("u" + i, "j" + i, clock.instant()), clock.instant().plusSeconds(30)));
        }
        List<CompletableFuture<Optional<VerifiedToken>>> takes = new ArrayList<>();
        for (int i = 0; i < tickets; i++) {
            for (RedisState s : all) {
                takes.add(s.takeTicket("t" + i));
            }
        }
        AtomicInteger redeemed = new AtomicInteger();
        Set<String> users = new HashSet<>();
        for (CompletableFuture<Optional<VerifiedToken>> f : takes) {
            get(f).ifPresent(t -> {
                redeemed.incrementAndGet();
                users.add(t.subject());
            });
        }
        assertEquals(tickets, redeemed.get());
        assertEquals(tickets, users.size());
    }

    @Test
    void anExpiredTicketIsNotRedeemed() throws Exception {
        RedisState a = instance("a", new Recorder());
        RedisState b = instance("b", new Recorder());
        get(a.putTicket("d", token("alice", "j", clock.instant()), clock.instant().plusSeconds(30)));
        clock.advance(Duration.ofSeconds(30));
        assertEquals(Optional.empty(), get(b.takeTicket("d")));
    }

    // ---- rate

    @Test
    void aTokenBucketIsSharedWithRateLimitersExactAnswers() throws Exception {
        sharedRateMatchesRateLimiter(RateSpec.parse("bucket:3:2"));
        sharedRateMatchesRateLimiter(RateSpec.parse("bucket:5:0.7"));
    }

    @Test
    void aSlidingWindowIsSharedWithRateLimitersExactAnswers() throws Exception {
        sharedRateMatchesRateLimiter(RateSpec.parse("window:3:2"));
    }

    private void sharedRateMatchesRateLimiter(RateSpec spec) throws Exception {
        MutableClock rateClock = new MutableClock(Instant.parse("2026-01-01T00:00:00.123Z"));
        String user = "user-" + spec;
        RedisState a = instance("a-" + spec.kind() + spec.count(), new Recorder(), spec, rateClock);
        RedisState b = instance("b-" + spec.kind() + spec.count(), new Recorder(), spec, rateClock);
        RateLimiter reference = new RateLimiter(spec, rateClock);
        Random random = new Random(42);
        long[] steps = {0, 0, 1, 7, 100, 333, 499, 500, 1200, 2000};
        int limited = 0;
        for (int i = 0; i < 120; i++) {
            rateClock.advance(Duration.ofMillis(steps[random.nextInt(steps.length)]));
            long expected = reference.tryAcquire(user);
            long actual = get((i % 2 == 0 ? a : b).acquire(user));
            assertEquals(expected, actual, "step " + i + " of " + spec);
            if (expected > 0) {
                limited++;
            }
        }
        assertTrue(limited > 10, "the sequence should hit the limit often: " + limited);
    }

    @Test
    void anOffRateAlwaysPasses() throws Exception {
        RedisState a = instance("a", new Recorder());
        for (int i = 0; i < 100; i++) {
            assertEquals(0L, get(a.acquire("alice")));
        }
    }

    // ---- rooms

    @Test
    void messagesPublishedOnTwoInstancesArriveAtBothInOneOrderWithoutGaps() throws Exception {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        RedisState a = instance("a", ra);
        RedisState b = instance("b", rb);
        Member alice = new Member("alice", "a/1");
        Member bob = new Member("bob", "b/1");
        get(a.join("lobby", alice));
        get(b.join("lobby", bob));
        int each = 60;
        List<CompletableFuture<Long>> sent = new ArrayList<>();
        for (int i = 0; i < each; i++) {
            sent.add(a.publish("lobby", alice, "{\"n\":\"a" + i + "\"}", "id-a" + i, 1000 + i));
            sent.add(b.publish("lobby", bob, "{\"n\":\"b" + i + "\"}", null, 2000 + i));
        }
        Set<Long> seqs = new HashSet<>();
        for (CompletableFuture<Long> f : sent) {
            seqs.add(get(f));
        }
        assertEquals(2 * each, seqs.size());
        await().atMost(Duration.ofSeconds(5)).until(() -> ra.messages("lobby").size() == 2 * each
                && rb.messages("lobby").size() == 2 * each);
        assertEquals(ra.messages("lobby"), rb.messages("lobby"));
        List<RoomEvent.Message> order = ra.messages("lobby");
        for (int i = 0; i < order.size(); i++) {
            assertEquals(i + 1, order.get(i).seq());
        }
        // Each sender's messages keep the order it sent them in.
        List<String> fromA = order.stream().filter(m -> m.from().equals(alice)).map(RoomEvent.Message::payloadJson).toList();
        for (int i = 0; i < each; i++) {
            assertEquals("{\"n\":\"a" + i + "\"}", fromA.get(i));
        }
        RoomEvent.Message first = order.stream().filter(m -> m.from().equals(alice)).findFirst().orElseThrow();
        assertEquals("id-a0", first.id());
        assertEquals(1000, first.timestamp());
        assertEquals(null, order.stream().filter(m -> m.from().equals(bob)).findFirst().orElseThrow().id());
    }

    @Test
    void presenceIsCountedAcrossInstances() throws Exception {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        RedisState a = instance("a", ra);
        RedisState b = instance("b", rb);
        Member alice1 = new Member("alice", "a/1");
        Member alice2 = new Member("alice", "b/2");
        Member bob = new Member("bob", "b/3");

        get(a.join("r", alice1));
        get(b.join("r", alice2));
        get(b.join("r", bob));
        get(b.join("r", bob));
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.of(RoomEvent.Joined.class, "r").size() == 3);
        List<RoomEvent.Joined> joined = rb.of(RoomEvent.Joined.class, "r");
        assertEquals(new RoomEvent.Joined("r", alice2, false, false, List.of("alice"), 0), joined.get(0));
        assertEquals(new RoomEvent.Joined("r", bob, false, true, List.of("alice", "bob"), 0), joined.get(1));
        assertEquals(new RoomEvent.Joined("r", bob, true, false, List.of("alice", "bob"), 0), joined.get(2));
        assertEquals(new RoomEvent.Joined("r", alice1, false, true, List.of("alice"), 0),
                ra.of(RoomEvent.Joined.class, "r").get(0));

        get(b.leave("r", new Member("carol", "b/9"))); // never joined: no event
        get(a.leave("r", alice1));
        get(b.leave("r", alice2));
        get(b.publish("r", bob, "\"last word\"", null, 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.messages("r").size() == 1);
        assertEquals(List.of(new RoomEvent.Left("r", alice1, false), new RoomEvent.Left("r", alice2, true)),
                rb.of(RoomEvent.Left.class, "r"));
        // a has no member in the room any more, so it no longer hears it.
        assertEquals(List.of(new RoomEvent.Left("r", alice1, false)), ra.of(RoomEvent.Left.class, "r"));
        assertEquals(List.of(), ra.messages("r"));
    }

    @Test
    void aRoomEndsWithItsLastMemberAndStartsAgainAtSeqOne() throws Exception {
        Recorder ra = new Recorder();
        RedisState a = instance("a", ra);
        RedisState b = instance("b", new Recorder());
        Member alice = new Member("alice", "a/1");
        get(a.join("r", alice));
        assertEquals(1L, get(a.publish("r", alice, "1", null, 1)));
        assertEquals(2L, get(a.publish("r", alice, "2", null, 2)));
        get(a.leave("r", alice));
        assertInstanceOf(IllegalStateException.class, failure(b.publish("r", new Member("bob", "b/1"), "x", null, 3)));

        get(a.join("r", alice));
        assertEquals(1L, get(a.publish("r", alice, "again", null, 4)));
        await().atMost(Duration.ofSeconds(5)).until(() -> ra.messages("r").size() == 3);
        assertEquals(List.of(1L, 2L, 1L), ra.messages("r").stream().map(RoomEvent.Message::seq).toList());
        assertEquals(0L, ra.of(RoomEvent.Joined.class, "r").get(1).seq());
    }

    @Test
    void aJoinFromAnotherInstancesMemberIsRefused() {
        RedisState a = instance("a", new Recorder());
        assertInstanceOf(IllegalArgumentException.class, failure(a.join("r", new Member("alice", "b/1"))));
    }

    @Test
    void closingRemovesTheInstancesMembersForTheOthers() throws Exception {
        Recorder rb = new Recorder();
        RedisState a = instance("a", new Recorder());
        RedisState b = instance("b", rb);
        get(a.join("r", new Member("alice", "a/1")));
        get(b.join("r", new Member("bob", "b/1")));
        a.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.of(RoomEvent.Left.class, "r")
                .equals(List.of(new RoomEvent.Left("r", new Member("alice", "a/1"), true))));
    }

    @Test
    void membersOfACrashedInstanceAreSweptAway() throws Exception {
        Recorder rb = new Recorder();
        RedisState ghost = instance("ghost", new Recorder());
        RedisState b = instance("b", rb);
        get(ghost.join("r", new Member("alice", "ghost/1")));
        get(b.join("r", new Member("bob", "b/1")));
        ghost.abandon();
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.of(RoomEvent.Left.class, "r")
                .equals(List.of(new RoomEvent.Left("r", new Member("alice", "ghost/1"), true))));
        get(b.join("r", new Member("carol", "b/2")));
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.of(RoomEvent.Joined.class, "r").size() == 2);
        assertEquals(List.of("bob", "carol"), rb.of(RoomEvent.Joined.class, "r").get(1).members());
    }

    // ---- revocations and blocks

    @Test
    void aRevocationOnOneInstanceReachesTheOtherWithinASecond() throws Exception {
        Recorder rb = new Recorder();
        RedisState a = instance("a", new Recorder());
        RedisState b = instance("b", rb);
        VerifiedToken stolen = token("alice", "jti-1", clock.instant());
        VerifiedToken other = token("alice", "jti-2", clock.instant());
        VerifiedToken noJti = token("dave", null, clock.instant());
        assertFalse(b.isRevoked(stolen));

        get(a.revoke(stolen));
        assertTrue(a.isRevoked(stolen), "the writer answers its own write at once");
        await().atMost(Duration.ofSeconds(1)).until(() -> rb.revoked.contains("alice") && b.isRevoked(stolen));
        assertFalse(b.isRevoked(other));

        get(b.revoke(noJti));
        await().atMost(Duration.ofSeconds(1)).until(() -> a.isRevoked(noJti));
        assertFalse(a.isRevoked(token("dave", null, clock.instant().plusSeconds(1))));
    }

    @Test
    void revokeAllCoversTokensIssuedUpToNowOnEveryInstance() throws Exception {
        Recorder ra = new Recorder();
        RedisState a = instance("a", ra);
        RedisState b = instance("b", new Recorder());
        VerifiedToken old = token("carol", "c1", clock.instant().minusSeconds(60));
        VerifiedToken sameSecond = token("carol", "c2", clock.instant());
        get(b.revokeAll("carol", Duration.ofHours(1)));
        await().atMost(Duration.ofSeconds(1)).until(() -> ra.revoked.contains("carol") && a.isRevoked(old));
        assertTrue(a.isRevoked(sameSecond));
        clock.advance(Duration.ofSeconds(2));
        assertFalse(a.isRevoked(token("carol", "c3", clock.instant())));
        clock.advance(Duration.ofHours(2));
        assertFalse(a.isRevoked(old), "forgotten once the tokens it covers have expired");
    }

    @Test
    void aBlockOnOneInstanceReachesTheOtherAndALongerBlockStands() throws Exception {
        Recorder rb = new Recorder();
        RedisState a = instance("a", new Recorder());
        RedisState b = instance("b", rb);
        Instant hour = clock.instant().plus(Duration.ofHours(1));
        assertEquals(new Blocklist.Block("mallory", hour, "flooding"), get(a.block("mallory", hour, "flooding")));
        await().atMost(Duration.ofSeconds(1)).until(() -> rb.blocked.contains("mallory")
                && b.findBlock("mallory").isPresent());
        assertEquals(new Blocklist.Block("mallory", hour, "flooding"), b.findBlock("mallory").orElseThrow());

        Blocklist.Block stands = get(b.block("mallory", clock.instant().plusSeconds(60), "shorter"));
        assertEquals(new Blocklist.Block("mallory", hour, "flooding"), stands);
        get(b.block("eve", clock.instant().plusSeconds(60), "spam"));
        await().atMost(Duration.ofSeconds(1)).until(() -> a.blocks().size() == 2);
        assertEquals(List.of("eve", "mallory"), a.blocks().stream().map(Blocklist.Block::user).toList());

        assertTrue(get(a.unblock("mallory")));
        assertFalse(get(a.unblock("mallory")));
        await().atMost(Duration.ofSeconds(1)).until(() -> b.findBlock("mallory").isEmpty());
        clock.advance(Duration.ofSeconds(61));
        assertEquals(List.of(), b.blocks());
        assertEquals(Optional.empty(), a.findBlock("eve"));
    }

    // ---- faults

    @Test
    void unreachableRedisFailsFastAndClosed() {
        RedisState lost = RedisState.start(RedisUrl.parse("redis://127.0.0.1:1/0"), "lost", RateSpec.parse("bucket:1:1"),
                clock, Duration.ZERO, FAST);
        started.add(lost);
        assertFalse(lost.available());
        assertInstanceOf(BrokerUnavailableException.class, failedAtOnce(lost.acquire("alice")));
        assertInstanceOf(BrokerUnavailableException.class, failedAtOnce(lost.takeTicket("t")));
        assertInstanceOf(BrokerUnavailableException.class, failedAtOnce(lost.join("r", new Member("alice", "lost/1"))));
        // The checks answer from the local replica: they throw on the calling thread, nothing to wait for.
        assertThrows(BrokerUnavailableException.class, () -> lost.isRevoked(token("alice", "j", clock.instant())));
        assertThrows(BrokerUnavailableException.class, () -> lost.findBlock("alice"));
    }

    @Test
    void redisKilledAndRestartedEmptyIsReseededAndRoomsResumeWithoutDuplicates() throws Exception {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        RedisState a = instance("a", ra);
        RedisState b = instance("b", rb);
        Member alice = new Member("alice", "a/1");
        Member bob = new Member("bob", "b/1");
        get(a.join("lobby", alice));
        get(b.join("lobby", bob));
        for (int i = 0; i < 5; i++) {
            get(a.publish("lobby", alice, "\"before " + i + "\"", null, i));
        }
        VerifiedToken revoked = token("alice", "gone", clock.instant());
        get(a.revoke(revoked));
        get(b.block("mallory", clock.instant().plus(Duration.ofHours(1)), "abuse"));
        await().atMost(Duration.ofSeconds(5)).until(() -> rb.messages("lobby").size() == 5
                && b.isRevoked(revoked) && a.findBlock("mallory").isPresent());

        redis.kill();
        await().atMost(Duration.ofSeconds(3)).until(() -> !a.available() && !b.available());
        assertInstanceOf(BrokerUnavailableException.class, failedAtOnce(a.publish("lobby", alice, "\"lost\"", null, 9)));
        assertInstanceOf(BrokerUnavailableException.class, failedAtOnce(b.takeTicket("t")));
        assertInstanceOf(BrokerUnavailableException.class, failedAtOnce(b.revoke(token("bob", "x", clock.instant()))));
        assertThrows(BrokerUnavailableException.class, () -> a.isRevoked(revoked));
        assertThrows(BrokerUnavailableException.class, () -> b.findBlock("mallory"));

        redis.restart();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.available() && b.available());
        assertTrue(a.isRevoked(revoked));
        assertTrue(b.isRevoked(revoked));
        assertTrue(b.findBlock("mallory").isPresent());
        // A newcomer learns them from Redis, which the survivors seeded again.
        RedisState c = instance("c", new Recorder());
        assertTrue(c.isRevoked(revoked));
        assertTrue(c.findBlock("mallory").isPresent());

        assertEquals(6L, get(b.publish("lobby", bob, "\"after\"", null, 10)));
        get(c.join("lobby", new Member("carol", "c/1")));
        await().atMost(Duration.ofSeconds(5)).until(() -> ra.messages("lobby").size() == 6
                && rb.of(RoomEvent.Joined.class, "lobby").size() == 2);
        for (Recorder r : List.of(ra, rb)) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), r.messages("lobby").stream().map(RoomEvent.Message::seq).toList());
        }
        RoomEvent.Joined carol = rb.of(RoomEvent.Joined.class, "lobby").get(1);
        assertEquals(List.of("alice", "bob", "carol"), carol.members());
        assertEquals(6L, carol.seq());
    }

    @Test
    void revocationsMadeWhileAnInstanceWasCutOffReachItsListenerOnReconnect() throws Exception {
        Recorder rb = new Recorder();
        RedisState a = instance("a", new Recorder());
        RedisState b = instance("b", rb);
        redis.kill();
        await().atMost(Duration.ofSeconds(3)).until(() -> !a.available() && !b.available());
        redis.restart();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.available() || b.available());
        // Whichever came back first wrote it; the other may have been listening or not, and hears of it either way.
        RedisState first = a.available() ? a : b;
        get(first.revoke(token("zed", "z", clock.instant())));
        get(first.block("yan", clock.instant().plusSeconds(60), "r"));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.available() && rb.revoked.contains("zed")
                && rb.blocked.contains("yan") && b.isRevoked(token("zed", "z", clock.instant())));
    }

    @Test
    void anInstanceCutOffWhileRedisKeepsItsDataCatchesUpAndItsPasswordNeverReachesTheLogs() throws Exception {
        try (Jedis admin = new Jedis("127.0.0.1", redis.port()); LogCapture logs = LogCapture.start()) {
            // One ACL user per instance, so the test can cut off one instance and leave the other listening.
            admin.aclSetUser("pa", "on", ">s3cret-pw", "~*", "&*", "+@all");
            admin.aclSetUser("pb", "on", ">other-pw", "~*", "&*", "+@all");
            Recorder ra = new Recorder();
            Recorder rb = new Recorder();
            RedisState a = instance("redis://pa:s3cret-pw@127.0.0.1:" + redis.port() + "/0", "a", ra, RateSpec.OFF, clock);
            RedisState b = instance("redis://pb:other-pw@127.0.0.1:" + redis.port() + "/0", "b", rb, RateSpec.OFF, clock);
            Member alice = new Member("alice", "a/1");
            Member amy = new Member("amy", "a/2");
            Member bob = new Member("bob", "b/1");
            get(a.join("r", alice));
            get(a.join("r", amy));
            get(b.join("r", bob));
            for (int i = 0; i < 3; i++) {
                get(b.publish("r", bob, "\"" + i + "\"", null, i));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> ra.messages("r").size() == 3);

            admin.aclSetUser("pa", "off");
            admin.clientKill(ClientKillParams.clientKillParams().user("pa"));
            await().atMost(Duration.ofSeconds(3)).until(() -> !a.available());
            assertTrue(b.available());
            get(b.publish("r", bob, "\"missed\"", null, 3));
            assertInstanceOf(BrokerUnavailableException.class, failure(a.leave("r", amy)));
            assertTrue(a.toString().contains("redis://pa:***@"), a.toString());

            admin.aclSetUser("pa", "on");
            await().atMost(Duration.ofSeconds(5)).until(a::available);
            // a tells the others amy left while it was cut off.
            await().atMost(Duration.ofSeconds(5)).until(() -> rb.of(RoomEvent.Left.class, "r")
                    .equals(List.of(new RoomEvent.Left("r", amy, true))));
            assertEquals(5L, get(a.publish("r", alice, "\"back\"", null, 4)));
            await().atMost(Duration.ofSeconds(5)).until(() -> rb.messages("r").size() == 5 && ra.messages("r").size() == 4);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), rb.messages("r").stream().map(RoomEvent.Message::seq).toList());
            // The message published while a was cut off is a gap there, never a duplicate.
            assertEquals(List.of(1L, 2L, 3L, 5L), ra.messages("r").stream().map(RoomEvent.Message::seq).toList());

            // amy's room, which a left entirely while cut off, ends and starts a new life at seq 1 that a hears whole.
            Member amyAgain = new Member("amy", "a/3");
            get(a.join("side", amy));
            get(a.publish("side", amy, "\"old life\"", null, 5));
            admin.aclSetUser("pa", "off");
            admin.clientKill(ClientKillParams.clientKillParams().user("pa"));
            await().atMost(Duration.ofSeconds(3)).until(() -> !a.available());
            assertInstanceOf(BrokerUnavailableException.class, failure(a.leave("side", amy)));
            admin.aclSetUser("pa", "on");
            await().atMost(Duration.ofSeconds(5)).until(a::available);
            get(a.join("side", amyAgain));
            assertEquals(1L, get(a.publish("side", amyAgain, "\"new life\"", null, 6)));
            await().atMost(Duration.ofSeconds(5)).until(() -> ra.messages("side").size() == 2);
            assertEquals(List.of(1L, 1L), ra.messages("side").stream().map(RoomEvent.Message::seq).toList());

            String logged = logs.text();
            assertFalse(logged.contains("s3cret-pw"), "the password reached the logs");
            assertFalse(logged.contains("lost its data"), "redis kept its data: nothing to seed");
        }
    }

    @Test
    void aFlushUnderLiveConnectionsIsCaughtUpLikeARestart() throws Exception {
        Recorder ra = new Recorder();
        RedisState a = instance("a", ra);
        RedisState b = instance("b", new Recorder());
        Member alice = new Member("alice", "a/1");
        get(a.join("r", alice));
        get(b.join("r", new Member("bob", "b/1")));
        get(a.publish("r", alice, "1", null, 1));
        get(a.publish("r", alice, "2", null, 2));
        VerifiedToken revoked = token("alice", "flushed", clock.instant());
        get(b.revoke(revoked));
        await().atMost(Duration.ofSeconds(5)).until(() -> ra.messages("r").size() == 2);
        try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            admin.flushAll();
            await().atMost(Duration.ofSeconds(5)).until(() -> admin.exists("portcullis:epoch")
                    && admin.hexists("portcullis:revoked:token", "flushed")
                    && admin.hlen("portcullis:room:r:presence") == 2 && "2".equals(admin.get("portcullis:room:r:seq"))
                    && a.available() && b.available());
        }
        assertEquals(3L, get(b.publish("r", new Member("bob", "b/1"), "3", null, 3)));
        await().atMost(Duration.ofSeconds(5)).until(() -> ra.messages("r").size() == 3);
        assertEquals(List.of(1L, 2L, 3L), ra.messages("r").stream().map(RoomEvent.Message::seq).toList());
        assertTrue(a.isRevoked(revoked));
    }

    @Test
    void callsRunInTheOrderTheyWereMadeEvenAcrossResubscriptions() throws Exception {
        Recorder ra = new Recorder();
        RedisState a = instance("a", ra);
        RedisState b = instance("b", new Recorder());
        Member bob = new Member("bob", "b/1");
        get(b.join("r", bob));
        Member alice = new Member("alice", "a/1");
        int rounds = 25;
        List<CompletableFuture<?>> calls = new ArrayList<>();
        // Nothing awaited in between: each round subscribes a's connection to the room and unsubscribes it again.
        for (int i = 0; i < rounds; i++) {
            calls.add(a.join("r", alice));
            calls.add(a.publish("r", alice, "\"" + i + "\"", null, i));
            calls.add(a.leave("r", alice));
        }
        for (CompletableFuture<?> f : calls) {
            get(f);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ra.of(RoomEvent.Left.class, "r").size() == rounds);
        List<String> seen = ra.events.stream().map(e -> e.getClass().getSimpleName()).toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            expected.addAll(List.of("Joined", "Message", "Left"));
        }
        assertEquals(expected, seen);
        assertEquals(List.of(), a.localMemberCounts().keySet().stream().toList());
    }

    @Test
    void expiredRevocationsAndBlocksLeaveRedisToo() throws Exception {
        RedisState a = instance("a", new Recorder());
        get(a.revoke(token("alice", "short", clock.instant())));
        get(a.revokeAll("bob", Duration.ofMinutes(5)));
        get(a.block("eve", clock.instant().plusSeconds(30), "spam"));
        try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            assertEquals(1, admin.hlen("portcullis:revoked:token"));
            clock.advance(Duration.ofHours(2));
            await().atMost(Duration.ofSeconds(5)).until(() -> admin.hlen("portcullis:revoked:token") == 0
                    && admin.hlen("portcullis:revoked:user") == 0 && admin.hlen("portcullis:blocks") == 0);
        }
        assertFalse(a.isRevoked(token("alice", "short", clock.instant().minus(Duration.ofHours(2)))));
    }

    @Test
    void closeStopsItsThreadsAndLeavesNoLivenessKey() throws Exception {
        RedisState a = instance("closing", new Recorder());
        get(a.join("r", new Member("alice", "closing/1")));
        a.close();
        assertFalse(a.available());
        assertInstanceOf(BrokerUnavailableException.class, failure(a.publish("r", new Member("alice", "closing/1"), "1", null, 1)));
        try (Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            assertFalse(admin.exists("portcullis:instance:closing"));
            assertFalse(admin.sismember("portcullis:instances", "closing"));
            assertFalse(admin.exists("portcullis:room:r:presence"));
        }
        // Threads are named by role, not instance: close every instance of this test, then none may be left.
        started.remove(a);
        started.forEach(RedisState::close);
        started.clear();
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("redis-") && t.isAlive()));
    }
}
