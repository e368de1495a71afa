package dev.portcullis.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The revocation file: durable, reloaded, and compacted once its entries no longer matter (protocol.md §13.4). */
class RevocationStoreTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

    private VerifiedToken token(String jti, String user, Duration life) {
        Instant now = clock.instant();
        return new VerifiedToken(user, List.of(), now, now.plus(life), jti, Optional.empty());
    }

    @Test
    @DisplayName("§13.4: revocations are on disk when acknowledged and survive a reopen")
    void durable() throws Exception {
        Path file = dir.resolve("revocations.log");
        VerifiedToken t = token("j1", "alice", Duration.ofHours(1));
        try (RevocationStore store = RevocationStore.open(file, clock)) {
            store.revoke(t).get();
            assertTrue(Files.readString(file).contains("\"jti\":\"j1\""));
        }
        try (RevocationStore store = RevocationStore.open(file, clock)) {
            assertTrue(store.isRevoked(t));
            assertFalse(store.isRevoked(token("j2", "alice", Duration.ofHours(1))));
        }
    }

    @Test
    @DisplayName("§13.4: entries are dropped once their tokens would have expired, and the file shrinks with them")
    void compaction() throws Exception {
        Path file = dir.resolve("revocations.log");
        try (RevocationStore store = RevocationStore.open(file, clock)) {
            for (int i = 0; i < 200; i++) {
                store.revoke(token("short-" + i, "alice", Duration.ofMinutes(5))).get();
            }
            store.revoke(token("long", "bob", Duration.ofHours(2))).get();
            store.revokeAll("carol", Duration.ofHours(1)).get();
            assertEquals(202, store.size());
            clock.advance(Duration.ofMinutes(10));
            store.compactNow().get();
            assertEquals(2, store.size());
            assertEquals(2, Files.readAllLines(file).size());
        }
        try (RevocationStore store = RevocationStore.open(file, clock)) {
            assertEquals(2, store.size());
        }
    }

    @Test
    @DisplayName("§13.4: a token without a jti can be revoked, and a revocation outlives exp by the clock leeway")
    void withoutJtiAndLeeway() throws Exception {
        try (RevocationStore store = RevocationStore.open(dir.resolve("r.log"), clock, Duration.ofSeconds(5))) {
            VerifiedToken noJti = token(null, "alice", Duration.ofMinutes(1));
            store.revoke(noJti).get();
            assertTrue(store.isRevoked(noJti));
            VerifiedToken t = token("j", "bob", Duration.ofMinutes(1));
            store.revoke(t).get();
            clock.advance(Duration.ofMinutes(1).plusSeconds(3));
            assertTrue(store.isRevoked(t), "still inside the leeway, where the verifier still accepts it");
        }
    }

    @Test
    @DisplayName("§13.4: revoking all of a user's tokens covers those issued up to now, not later ones")
    void cutoff() throws Exception {
        try (RevocationStore store = RevocationStore.open(dir.resolve("r.log"), clock)) {
            VerifiedToken old = token("a", "alice", Duration.ofHours(1));
            store.revokeAll("alice", Duration.ofHours(1)).get();
            assertTrue(store.isRevoked(old));
            clock.advance(Duration.ofSeconds(2));
            assertFalse(store.isRevoked(token("b", "alice", Duration.ofHours(1))));
            assertFalse(store.isRevoked(token("c", "bob", Duration.ofHours(1))));
        }
    }
}
