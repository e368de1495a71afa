package dev.portcullis.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests that LoginService checks credentials on its pool and refuses work when the pool and queue are full. */
@DisplayName("LoginService")
class LoginServiceTest {
    private static final JwtSecret SECRET = JwtSecret.fromText("login-service-test-secret-0123456789abcdef");
    private static final Instant NOW = Instant.parse("2031-05-06T07:08:09Z");
    private static final long TIMEOUT_SECONDS = 10;

    @TempDir
    Path dir;

    private final PasswordHasher hasher = new PasswordHasher(new SecureRandom());
    private UserStore users;

    /**
     * A clock whose {@code instant()} blocks until released. TokenIssuer reads the clock on the login thread
     * after a password checked out, so a correct login holds its bcrypt thread for as long as the test wants.
     */
    private static final class GateClock extends Clock {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Instant instant() {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return NOW;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    @BeforeEach
    void writeUsers() throws IOException {
        Path file = dir.resolve("users.json");
        UserStore.write(file, List.of(new User("alice", hasher.hash("alice-pw", 4), List.of("user", "ops"))));
        users = UserStore.open(file);
    }

    private LoginService service(Clock clock, int threads, int queue) {
        return new LoginService(users, hasher, new TokenIssuer(SECRET, "portcullis", Duration.ofHours(1), clock),
                threads, queue, 4);
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    @DisplayName("The correct password yields a token that verifies for the user and roles")
    void correctPassword() throws Exception {
        Clock clock = Clock.fixed(NOW.plusMillis(250), ZoneOffset.UTC);
        try (LoginService login = service(clock, 1, 4)) {
            IssuedToken issued = await(login.login("alice", "alice-pw", "10.0.0.1")).orElseThrow();
            VerifiedToken v = new TokenVerifier(SECRET, "portcullis", Duration.ZERO, clock).verify(issued.token());
            assertEquals("alice", v.subject());
            assertEquals(List.of("user", "ops"), v.roles());
            assertEquals(NOW.plus(Duration.ofHours(1)), issued.expiresAt());
        }
    }

    @Test
    @DisplayName("A wrong password, an unknown user or a password differing in case yields no token")
    void badCredentials() throws Exception {
        try (LoginService login = service(Clock.fixed(NOW, ZoneOffset.UTC), 2, 4)) {
            assertEquals(Optional.empty(), await(login.login("alice", "wrong", "10.0.0.1")));
            assertEquals(Optional.empty(), await(login.login("alice", "ALICE-PW", "10.0.0.1")));
            assertEquals(Optional.empty(), await(login.login("mallory", "alice-pw", "10.0.0.1")));
            assertEquals(Optional.empty(), await(login.login("", "", "10.0.0.1")));
        }
    }

    @Test
    @DisplayName("Disabled accounts, broken hashes and passwords over 72 bytes never log in")
    void accountsThatCannotLogIn() throws Exception {
        Path file = dir.resolve("users.json");
        String seventyTwo = "p".repeat(72);
        UserStore.write(file, List.of(
                new User("long", hasher.hash(seventyTwo, 4), List.of()),
                new User("off", hasher.hash("off-pw", 4), List.of(), true),
                new User("broken", "not-a-hash", List.of())));
        users = UserStore.open(file);
        try (LoginService login = service(Clock.fixed(NOW, ZoneOffset.UTC), 2, 4)) {
            assertTrue(await(login.login("long", seventyTwo, "10.0.0.1")).isPresent());
            // bcrypt would accept any suffix after byte 72; the service refuses instead.
            assertEquals(Optional.empty(), await(login.login("long", seventyTwo + "anything", "10.0.0.1")));
            assertEquals(Optional.empty(), await(login.login("off", "off-pw", "10.0.0.1")));
            assertEquals(Optional.empty(), await(login.login("broken", "not-a-hash", "10.0.0.1")));
        }
    }

    @Test
    @DisplayName("With one thread and no queue, a login while the thread is busy fails with BusyException")
    void busyWithoutQueue() throws Exception {
        GateClock gate = new GateClock();
        try (LoginService login = service(gate, 1, 0)) {
            CompletableFuture<Optional<IssuedToken>> first = login.login("alice", "alice-pw", "10.0.0.1");
            try {
                assertTrue(gate.entered.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "first login never reached the issuer");
                CompletableFuture<Optional<IssuedToken>> second = login.login("alice", "alice-pw", "10.0.0.1");
                CompletableFuture<Optional<IssuedToken>> third = login.login("mallory", "x", "10.0.0.1");

                assertTrue(second.isCompletedExceptionally(), "the second login should be refused at once");
                assertInstanceOf(LoginService.BusyException.class, failure(second));
                assertInstanceOf(LoginService.BusyException.class, failure(third));
                assertFalse(first.isDone());
            } finally {
                gate.release.countDown();
            }
            assertTrue(await(first).isPresent(), "the login that held the thread still succeeds");
        }
    }

    @Test
    @DisplayName("With one thread and a queue of one, one login waits and the next fails with BusyException")
    void busyWithQueue() throws Exception {
        GateClock gate = new GateClock();
        try (LoginService login = service(gate, 1, 1)) {
            CompletableFuture<Optional<IssuedToken>> first = login.login("alice", "alice-pw", "10.0.0.1");
            CompletableFuture<Optional<IssuedToken>> queued;
            try {
                assertTrue(gate.entered.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "first login never reached the issuer");
                queued = login.login("alice", "alice-pw", "10.0.0.1");
                CompletableFuture<Optional<IssuedToken>> refused = login.login("alice", "alice-pw", "10.0.0.1");

                assertFalse(queued.isDone(), "the queued login must wait, not fail");
                assertInstanceOf(LoginService.BusyException.class, failure(refused));
            } finally {
                gate.release.countDown();
            }
            assertTrue(await(first).isPresent());
            assertTrue(await(queued).isPresent(), "the queued login runs once the thread is free");
        }
    }

    @Test
    @DisplayName("protocol.md §7.1: addresses are served in turn, each holds at most its share, and a full queue pushes out the richest")
    void fairBetweenAddresses() throws Exception {
        GateClock gate = new GateClock();
        // One thread and seven waiting places: eight in all, so each address may hold max(2, 8 / 8) = 2.
        try (LoginService login = service(gate, 1, 7)) {
            assertEquals(2, login.addressShare());
            List<String> served = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Optional<IssuedToken>> first = login.login("alice", "alice-pw", "A");
            CompletableFuture<Optional<IssuedToken>> pushedOut;
            List<CompletableFuture<?>> waiting = new ArrayList<>();
            try {
                assertTrue(gate.entered.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "first login never reached the issuer");
                pushedOut = login.login("alice", "wrong", "A");
                LoginService.BusyException overShare = assertInstanceOf(LoginService.BusyException.class,
                        failure(login.login("alice", "wrong", "A")));
                assertTrue(overShare.addressShare(), "A holds its two places: only A is refused");
                for (String name : List.of("B1", "C1", "D1", "B2", "C2", "D2")) {
                    waiting.add(login.login("alice", "wrong", name.substring(0, 1)).thenRun(() -> served.add(name)));
                }
                // Every place is taken; E holds none, so the newest waiting login of an address with two goes.
                waiting.add(login.login("alice", "wrong", "E").thenRun(() -> served.add("E1")));
                LoginService.BusyException full = assertInstanceOf(LoginService.BusyException.class, failure(pushedOut));
                assertFalse(full.addressShare());
                assertFalse(first.isDone());
            } finally {
                gate.release.countDown();
            }
            assertTrue(await(first).isPresent());
            for (CompletableFuture<?> f : waiting) {
                await(f);
            }
            assertEquals(List.of("B1", "C1", "D1", "E1", "B2", "C2", "D2"), served, "one login per address in turn");
        }
    }

    /** A login's bcrypt work in rounds, from the costs the hasher was asked for: bcrypt at cost c runs 2^c rounds. */
    private static long rounds(List<Integer> costs) {
        return costs.stream().mapToLong(c -> 1L << c).sum();
    }

    @Test
    @DisplayName("protocol.md §7.1: every attempt costs one bcrypt at the highest cost in use, whoever the user and whatever the file holds, reloads included")
    void equalWorkForEveryAttempt() throws Exception {
        Path file = dir.resolve("users.json");
        PasswordHasher plain = new PasswordHasher(new SecureRandom());
        UserStore.write(file, List.of(
                new User("cheap", plain.hash("cheap-pw", 4), List.of()),
                new User("usual", plain.hash("usual-pw", 6), List.of()),
                new User("off", plain.hash("off-pw", 9), List.of(), true),
                new User("broken", "not-a-hash", List.of())));
        users = UserStore.open(file);
        List<Integer> costs = Collections.synchronizedList(new ArrayList<>());
        PasswordHasher observed = new PasswordHasher(new SecureRandom(), costs::add);
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        // --bcrypt-cost 5: below the file's highest usable cost (6), so 6 sets the work.
        try (LoginService login = new LoginService(users, observed,
                new TokenIssuer(SECRET, "portcullis", Duration.ofHours(1), clock), 1, 4, 5)) {
            List<String[]> attempts = List.of(new String[] {"cheap", "wrong"},
                    new String[] {"usual", "wrong"}, new String[] {"nobody", "x"}, new String[] {"off", "off-pw"},
                    new String[] {"broken", "x"}, new String[] {"usual", "p".repeat(73)});
            for (String[] a : attempts) {
                costs.clear();
                await(login.login(a[0], a[1], "10.0.0.1"));
                assertEquals(1L << 6, rounds(costs), a[0] + "/" + a[1] + ": " + costs);
            }

            // A costlier user added while running raises every attempt's work from the next login on.
            UserStore.write(file, List.of(new User("cheap", plain.hash("cheap-pw", 4), List.of()),
                    new User("dear", plain.hash("dear-pw", 8), List.of())));
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
            for (String[] a : List.of(new String[] {"nobody", "x"}, new String[] {"cheap", "wrong"},
                    new String[] {"dear", "wrong"}, new String[] {"usual", "usual-pw"}, new String[] {"off", "off-pw"})) {
                costs.clear();
                await(login.login(a[0], a[1], "10.0.0.1"));
                assertEquals(1L << 8, rounds(costs), a[0] + "/" + a[1] + " after the reload: " + costs);
            }
        }
    }

    @Test
    @DisplayName("protocol.md §7.1: a successful login stores the password again at --bcrypt-cost, so a costlier hash stops raising every login's work")
    void rehashOnSuccess() throws Exception {
        Path file = dir.resolve("users.json");
        PasswordHasher plain = new PasswordHasher(new SecureRandom());
        UserStore.write(file, List.of(new User("cheap", plain.hash("cheap-pw", 4), List.of("user")),
                new User("dear", plain.hash("dear-pw", 8), List.of("ops"), false)));
        users = UserStore.open(file);
        List<Integer> costs = Collections.synchronizedList(new ArrayList<>());
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        try (LoginService login = new LoginService(users, new PasswordHasher(new SecureRandom(), costs::add),
                new TokenIssuer(SECRET, "portcullis", Duration.ofHours(1), clock), 1, 4, 5)) {
            assertTrue(await(login.login("dear", "dear-pw", "10.0.0.1")).isPresent());
            assertTrue(await(login.login("cheap", "cheap-pw", "10.0.0.1")).isPresent());
            assertEquals(5, PasswordHasher.costOf(users.find("dear").orElseThrow().passwordHash()));
            assertEquals(5, PasswordHasher.costOf(users.find("cheap").orElseThrow().passwordHash()));
            assertEquals(List.of("ops"), UserStore.readIfExists(file).get("dear").roles(), "the rest of the entry stays");

            for (String[] a : List.of(new String[] {"nobody", "x"}, new String[] {"dear", "dear-pw"},
                    new String[] {"cheap", "wrong"})) {
                costs.clear();
                await(login.login(a[0], a[1], "10.0.0.1"));
                assertEquals(List.of(5), costs, a[0] + "/" + a[1] + ": one bcrypt at --bcrypt-cost, nothing more");
            }
        }
    }
}
