package dev.portcullis.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.limit.Blocklist;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This instance's copy of the cluster's revocations and blocks, kept current from the events channel, so the
 * security checks answer from memory. It is trusted only between a full load and the next lost connection:
 * an event missed while disconnected would otherwise let a revoked token through.
 */
final class Replica {
    /** What an applied change asks of the security listener. */
    record Notice(boolean block, String user) {
    }

    private record RevokedToken(String subject, long until) {
    }

    private record Cutoff(long before, long until) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final ConcurrentHashMap<String, RevokedToken> tokens = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Cutoff> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Blocklist.Block> blocks = new ConcurrentHashMap<>();
    private volatile boolean trusted;
    // The rest is guarded by this.
    private long version;
    private boolean loadedBefore;
    private final List<JsonNode> buffered = new ArrayList<>();
    private final List<Map.Entry<Long, CompletableFuture<Void>>> waiters = new ArrayList<>();

    Replica(Clock clock) {
        this.clock = clock;
    }

    boolean trusted() {
        return trusted;
    }

    private void requireTrusted() {
        if (!trusted) {
            throw new BrokerUnavailableException("revocations and blocks cannot be checked now (redis unavailable)");
        }
    }

    static String key(VerifiedToken token) {
        // As RevocationStore keys it, so the same token is the same entry wherever it was revoked.
        return token.jwtId() != null ? token.jwtId() : "sub:" + token.subject() + ":iat:" + token.issuedAt();
    }

    boolean isRevoked(VerifiedToken token) {
        requireTrusted();
        long now = clock.millis();
        RevokedToken r = tokens.get(key(token));
        if (r != null && r.until() > now) {
            return true;
        }
        Cutoff c = users.get(token.subject());
        return c != null && c.until() > now
                && (token.issuedAt() == null || token.issuedAt().toEpochMilli() < c.before());
    }

    Optional<Blocklist.Block> findBlock(String user) {
        requireTrusted();
        Blocklist.Block b = blocks.get(user);
        return b != null && b.until().isAfter(clock.instant()) ? Optional.of(b) : Optional.empty();
    }

    List<Blocklist.Block> blocks() {
        requireTrusted();
        Instant now = clock.instant();
        return blocks.values().stream().filter(b -> b.until().isAfter(now))
                .sorted(Comparator.comparing(Blocklist.Block::until)).toList();
    }

    /** The connection carrying events is gone: stop answering, and fail writes waiting to be seen here. */
    synchronized void untrust() {
        trusted = false;
        buffered.clear();
        for (Map.Entry<Long, CompletableFuture<Void>> w : waiters) {
            w.getValue().completeExceptionally(new BrokerUnavailableException(
                    "redis connection lost before the change was confirmed; it may or may not be stored"));
        }
        waiters.clear();
    }

    /** Completes once this copy holds the change Redis numbered {@code v}: a write is visible here when it completes. */
    synchronized CompletableFuture<Void> seen(long v) {
        if (!trusted) {
            return CompletableFuture.failedFuture(new BrokerUnavailableException(
                    "redis connection lost before the change was confirmed; it may or may not be stored"));
        }
        if (version >= v) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiters.add(Map.entry(v, f));
        return f;
    }

    /** An announcement from the events channel; returns what the security listener must hear, if anything. */
    synchronized Optional<Notice> onEvent(JsonNode event) {
        if (!trusted) {
            // Loading: the snapshot decides which of these it already contains.
            buffered.add(event);
            return Optional.empty();
        }
        long v = event.path("v").asLong();
        Notice notice = notice(event);
        if (v > version) {
            apply(event);
            version = v;
            release();
        }
        // Heard again or not, the security listener acts: its checks are idempotent.
        return Optional.ofNullable(notice);
    }

    private void release() {
        for (Iterator<Map.Entry<Long, CompletableFuture<Void>>> it = waiters.iterator(); it.hasNext(); ) {
            Map.Entry<Long, CompletableFuture<Void>> w = it.next();
            if (w.getKey() <= version) {
                it.remove();
                w.getValue().complete(null);
            }
        }
    }

    private static Notice notice(JsonNode e) {
        return switch (e.path("t").asText()) {
            case "tok" -> new Notice(false, e.path("s").asText());
            case "usr" -> new Notice(false, e.path("n").asText());
            case "blk" -> new Notice(true, e.path("n").asText());
            default -> null;
        };
    }

    private void apply(JsonNode e) {
        switch (e.path("t").asText()) {
            case "tok" -> tokens.merge(e.path("k").asText(), new RevokedToken(e.path("s").asText(), e.path("u").asLong()),
                    (a, b) -> a.until() >= b.until() ? a : b);
            case "usr" -> users.merge(e.path("n").asText(), new Cutoff(e.path("b").asLong(), e.path("u").asLong()),
                    (a, b) -> new Cutoff(Math.max(a.before(), b.before()), Math.max(a.until(), b.until())));
            case "blk" -> blocks.put(e.path("n").asText(), new Blocklist.Block(e.path("n").asText(),
                    Instant.ofEpochMilli(e.path("u").asLong()), e.path("r").asText("")));
            case "unb" -> blocks.remove(e.path("n").asText());
            default -> {
                // an announcement of a later version of Portcullis: nothing this one knows to apply
            }
        }
    }

    /**
     * Replaces the copy with a snapshot Redis took at version {@code v}, applies what arrived meanwhile, and
     * trusts the copy again. Returns the notices for everything that changed while this instance was not
     * listening, so sessions revoked or blocked meanwhile are checked now, not at the next revalidation.
     */
    synchronized List<Notice> load(long v, List<?> tokenFields, List<?> userFields, List<?> blockFields) {
        Map<String, RevokedToken> oldTokens = new HashMap<>(tokens);
        Map<String, Cutoff> oldUsers = new HashMap<>(users);
        Map<String, Blocklist.Block> oldBlocks = new HashMap<>(blocks);
        tokens.clear();
        users.clear();
        blocks.clear();
        for (int i = 0; i + 1 < tokenFields.size(); i += 2) {
            JsonNode n = parse(tokenFields.get(i + 1));
            tokens.put(String.valueOf(tokenFields.get(i)), new RevokedToken(n.path("s").asText(), n.path("u").asLong()));
        }
        for (int i = 0; i + 1 < userFields.size(); i += 2) {
            JsonNode n = parse(userFields.get(i + 1));
            users.put(String.valueOf(userFields.get(i)), new Cutoff(n.path("b").asLong(), n.path("u").asLong()));
        }
        for (int i = 0; i + 1 < blockFields.size(); i += 2) {
            JsonNode n = parse(blockFields.get(i + 1));
            String user = String.valueOf(blockFields.get(i));
            blocks.put(user, new Blocklist.Block(user, Instant.ofEpochMilli(n.path("u").asLong()), n.path("r").asText("")));
        }
        version = v;
        List<Notice> notices = new ArrayList<>();
        tokens.forEach((k, r) -> {
            if (!r.equals(oldTokens.get(k))) {
                notices.add(new Notice(false, r.subject()));
            }
        });
        users.forEach((u, c) -> {
            if (!c.equals(oldUsers.get(u))) {
                notices.add(new Notice(false, u));
            }
        });
        blocks.forEach((u, b) -> {
            if (!b.equals(oldBlocks.get(u))) {
                notices.add(new Notice(true, u));
            }
        });
        for (JsonNode e : buffered) {
            long ev = e.path("v").asLong();
            if (ev > version) {
                apply(e);
                version = ev;
            }
            Notice n = notice(e);
            if (n != null) {
                notices.add(n);
            }
        }
        buffered.clear();
        trusted = true;
        release();
        // At the first load there is no session yet to check again.
        boolean first = !loadedBefore;
        loadedBefore = true;
        return first ? List.of() : notices.stream().distinct().toList();
    }

    private static JsonNode parse(Object text) {
        try {
            return JSON.readTree(String.valueOf(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What this instance knows, for a Redis that lost it: {"tok":[...],"usr":[...],"blk":[...]}. */
    String seed() {
        long now = clock.millis();
        ObjectNode root = JSON.createObjectNode();
        ArrayNode tok = root.putArray("tok");
        tokens.forEach((k, r) -> {
            if (r.until() > now) {
                tok.addArray().add(k).add(r.subject()).add(Long.toString(r.until()));
            }
        });
        ArrayNode usr = root.putArray("usr");
        users.forEach((u, c) -> {
            if (c.until() > now) {
                usr.addArray().add(u).add(Long.toString(c.before())).add(Long.toString(c.until()));
            }
        });
        ArrayNode blk = root.putArray("blk");
        blocks.values().forEach(b -> {
            if (b.until().toEpochMilli() > now) {
                blk.addArray().add(b.user()).add(Long.toString(b.until().toEpochMilli())).add(b.reason());
            }
        });
        return root.toString();
    }

    /** Forgets entries whose end has passed. */
    void prune() {
        long now = clock.millis();
        tokens.values().removeIf(r -> r.until() <= now);
        users.values().removeIf(c -> c.until() <= now);
        blocks.values().removeIf(b -> b.until().toEpochMilli() <= now);
    }

    /** Entries held, for tests. */
    int size() {
        return tokens.size() + users.size() + blocks.size();
    }

    @Override
    public String toString() {
        return "Replica[" + (trusted ? "trusted" : "untrusted") + ", v" + version + ", " + size() + " entries]";
    }
}
