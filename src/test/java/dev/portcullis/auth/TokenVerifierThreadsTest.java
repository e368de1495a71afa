package dev.portcullis.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The verifier keeps one keyed Mac per thread: tokens checked at the same time on several threads, good
 * and forged interleaved, each get their own answer.
 */
class TokenVerifierThreadsTest {
    @Test
    @DisplayName("good and forged tokens verified concurrently on several threads each get the right answer")
    void concurrentVerification() throws Exception {
        JwtSecret secret = JwtSecret.fromText("a-test-secret-that-is-long-enough-for-hs256");
        JwtSecret other = JwtSecret.fromText("another-secret-that-is-also-long-enough!");
        Clock clock = Clock.systemUTC();
        User alice = new User("alice", PasswordHasherTest.PY_2A, List.of("user"));
        String good = new TokenIssuer(secret, "iss", Duration.ofMinutes(5), clock).issue(alice).token();
        String forged = new TokenIssuer(other, "iss", Duration.ofMinutes(5), clock).issue(alice).token();
        TokenVerifier verifier = new TokenVerifier(secret, "iss", Duration.ofSeconds(5), clock);

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        assertEquals("alice", verifier.verify(good).subject());
                        assertEquals(TokenRejectedException.Reason.INVALID,
                                assertThrows(TokenRejectedException.class, () -> verifier.verify(forged)).reason());
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
