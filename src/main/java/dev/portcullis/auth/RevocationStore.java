package dev.portcullis.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.platform.PrivateFiles;
import dev.portcullis.platform.Threads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revoked tokens, by {@code jti}, and users whose every token issued before some instant is revoked.
 * Kept in an append-only file in the data dir, synced before a revocation is acknowledged, so a logout
 * survives a crash. An entry is forgotten once the tokens it covers would have expired anyway, and the
 * file is rewritten without such entries when they make up most of it, so it never grows without bound.
 */
public final class RevocationStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RevocationStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A revoked jti, until when it matters. */
    private record Revoked(Instant until) {
    }

    /** Tokens of a user issued before {@code before} are revoked, until {@code until}. */
    private record UserCutoff(Instant before, Instant until) {
    }

    private final Path file;
    private final Clock clock;
    /** A token is accepted until exp + this leeway, so its revocation must be remembered that long too. */
    private final Duration leeway;
    private final ConcurrentHashMap<String, Revoked> byJti = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, UserCutoff> byUser = new ConcurrentHashMap<>();
    /** Lines in the file, live or not; the writer thread only. */
    private int linesOnDisk;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(Threads.named("revocation-writer"));

    private RevocationStore(Path file, Clock clock, Duration leeway) {
        this.file = file;
        this.clock = clock;
        this.leeway = leeway;
    }

    /** Loads {@code file} (if any), drops what has expired, and compacts it. */
    public static RevocationStore open(Path file, Clock clock) throws IOException {
        return open(file, clock, Duration.ZERO);
    }

    /** {@code leeway} is the verifier's clock leeway: how long past {@code exp} a token still passes. */
    public static RevocationStore open(Path file, Clock clock, Duration leeway) throws IOException {
        RevocationStore store = new RevocationStore(file, clock, leeway);
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    store.apply(JSON.readTree(line));
                } catch (IOException | RuntimeException e) {
                    // A torn last line after a crash: everything before it was synced and stands.
                    log.warn("revocations file {}: skipped an unreadable line", file);
                }
            }
        }
        store.compact();
        return store;
    }

    private void apply(JsonNode n) {
        Instant until = Instant.ofEpochSecond(n.path("until").asLong());
        if (!until.isAfter(clock.instant())) {
            return;
        }
        if (n.has("jti")) {
            byJti.put(n.get("jti").asText(), new Revoked(until));
        } else if (n.has("user")) {
            byUser.merge(n.get("user").asText(), new UserCutoff(Instant.ofEpochSecond(n.path("before").asLong()), until),
                    (a, b) -> b.before().isAfter(a.before()) ? b : a);
        }
    }

    /** Whether {@code token} has been revoked, by its jti or by its user's cutoff. */
    public boolean isRevoked(VerifiedToken token) {
        Instant now = clock.instant();
        Revoked r = byJti.get(key(token));
        if (r != null && r.until().isAfter(now)) {
            return true;
        }
        UserCutoff c = byUser.get(token.subject());
        return c != null && c.until().isAfter(now)
                && (token.issuedAt() == null || token.issuedAt().isBefore(c.before()));
    }

    /** Revokes one token; completes once the revocation is synced to disk. */
    public CompletableFuture<Void> revoke(VerifiedToken token) {
        String jti = key(token);
        Instant until = token.expiresAt().plus(leeway);
        byJti.put(jti, new Revoked(until));
        return append(JSON.createObjectNode().put("jti", jti).put("until", until.getEpochSecond()));
    }

    /** The jti, or for a token without one a stand-in that the same token always yields. */
    private static String key(VerifiedToken token) {
        return token.jwtId() != null ? token.jwtId() : "sub:" + token.subject() + ":iat:" + token.issuedAt();
    }

    /**
     * Revokes every token of {@code user} issued up to now; {@code longestTokenLife} bounds how long that
     * matters. Completes once synced.
     */
    public CompletableFuture<Void> revokeAll(String user, Duration longestTokenLife) {
        // Whole seconds, as in iat: a token issued in this very second is covered too.
        Instant before = clock.instant().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
        Instant until = before.plus(longestTokenLife).plus(leeway);
        byUser.put(user, new UserCutoff(before, until));
        return append(JSON.createObjectNode().put("user", user).put("before", before.getEpochSecond())
                .put("until", until.getEpochSecond()));
    }

    private CompletableFuture<Void> append(ObjectNode line) {
        byte[] bytes = (line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        return CompletableFuture.runAsync(() -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ch.write(ByteBuffer.wrap(bytes));
                ch.force(false);
                linesOnDisk++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (linesOnDisk > 64 && linesOnDisk > 2 * liveEntries()) {
                compact();
            }
        }, writer);
    }

    private int liveEntries() {
        return byJti.size() + byUser.size();
    }

    /** Forgets expired entries and rewrites the file with the live ones only. */
    private void compact() {
        Instant now = clock.instant();
        byJti.values().removeIf(r -> !r.until().isAfter(now));
        byUser.values().removeIf(c -> !c.until().isAfter(now));
        List<String> lines = new ArrayList<>();
        byJti.forEach((jti, r) -> lines.add(JSON.createObjectNode().put("jti", jti).put("until", r.until().getEpochSecond()).toString()));
        byUser.forEach((user, c) -> lines.add(JSON.createObjectNode().put("user", user)
                .put("before", c.before().getEpochSecond()).put("until", c.until().getEpochSecond()).toString()));
        try {
            PrivateFiles.writeAtomically(file, lines.isEmpty() ? new byte[0]
                    : (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            linesOnDisk = lines.size();
        } catch (IOException e) {
            log.warn("could not compact revocations file {}: {}", file, e.getMessage());
        }
    }

    /** Runs a compaction on the writer thread (for the periodic cleanup); completes when done. */
    public CompletableFuture<Void> compactNow() {
        return CompletableFuture.runAsync(this::compact, writer);
    }

    /** Entries in memory, for tests of the compaction. */
    public int size() {
        return liveEntries();
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
