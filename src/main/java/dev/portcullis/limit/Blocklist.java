package dev.portcullis.limit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.platform.PrivateFiles;
import dev.portcullis.platform.Threads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Users shut out until a time, kept in {@code blocks.json} in the data dir so a restart forgets nobody.
 * Every change rewrites the file atomically on a thread of its own; the returned future completes once
 * the change is on disk. Lookups are in memory and never touch the disk.
 */
public final class Blocklist implements AutoCloseable {
    /** One block: who, until when, and why (for operators). */
    public record Block(String user, Instant until, String reason) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Clock clock;
    private final ConcurrentHashMap<String, Block> blocks = new ConcurrentHashMap<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(Threads.named("blocklist-writer"));

    private Blocklist(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /** Loads {@code file} if it exists; expired entries are dropped. */
    public static Blocklist open(Path file, Clock clock) throws IOException {
        Blocklist list = new Blocklist(file, clock);
        if (Files.exists(file)) {
            JsonNode root = JSON.readTree(Files.readString(file));
            for (JsonNode n : root.path("blocks")) {
                Block b = new Block(n.path("user").asText(), Instant.parse(n.path("until").asText()), n.path("reason").asText(""));
                if (b.until().isAfter(clock.instant())) {
                    list.blocks.put(b.user(), b);
                }
            }
        }
        return list;
    }

    /** The block on {@code user} in force now, if any. */
    public Optional<Block> find(String user) {
        Block b = blocks.get(user);
        if (b != null && !b.until().isAfter(clock.instant())) {
            blocks.remove(user, b);
            return Optional.empty();
        }
        return Optional.ofNullable(b);
    }

    /** Blocks {@code user} until {@code until} (a longer existing block stands); done once written. */
    public CompletableFuture<Block> block(String user, Instant until, String reason) {
        Block b = blocks.merge(user, new Block(user, until, reason),
                (old, fresh) -> old.until().isAfter(fresh.until()) && old.until().isAfter(clock.instant()) ? old : fresh);
        return save().thenApply(v -> b);
    }

    /** Lifts the block on {@code user}; completes with whether there was one, once written. */
    public CompletableFuture<Boolean> unblock(String user) {
        boolean had = find(user).isPresent();
        blocks.remove(user);
        return save().thenApply(v -> had);
    }

    /** The blocks in force now, soonest to end first. */
    public List<Block> list() {
        Instant now = clock.instant();
        return blocks.values().stream().filter(b -> b.until().isAfter(now))
                .sorted(Comparator.comparing(Block::until)).toList();
    }

    private CompletableFuture<Void> save() {
        return CompletableFuture.runAsync(() -> {
            ObjectNode root = JSON.createObjectNode();
            ArrayNode array = root.putArray("blocks");
            for (Block b : list()) {
                array.addObject().put("user", b.user()).put("until", b.until().toString()).put("reason", b.reason());
            }
            try {
                PrivateFiles.writeAtomically(file, (root.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, writer);
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
