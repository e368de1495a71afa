package dev.portcullis.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.platform.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users file, {@code {"users":[{"username":..,"password_hash":..,"roles":[..],"disabled":false}]}}, held in memory and
 * re-read when its modification time changes, so {@code add-user} takes effect without a restart.
 * Lookups touch the disk, so they belong on the login pool, never on a WebSocket thread.
 */
public final class UserStore {
    private static final Logger log = LoggerFactory.getLogger(UserStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    /** Replaced whole on reload; read by any login thread. */
    private volatile Snapshot snapshot;

    /** @param maxCost the highest bcrypt cost among the users who can log in, 0 when there are none */
    private record Snapshot(Map<String, User> users, FileTime modified, int maxCost) {
        Snapshot(Map<String, User> users, FileTime modified) {
            this(users, modified, users.values().stream().filter(User::canLogIn)
                    .mapToInt(u -> PasswordHasher.costOf(u.passwordHash())).max().orElse(0));
        }
    }

    private UserStore(Path file, Snapshot snapshot) {
        this.file = file;
        this.snapshot = snapshot;
    }

    /** Reads {@code file}; fails with a message naming the file when it is missing or malformed. */
    public static UserStore open(Path file) throws IOException {
        return new UserStore(file, load(file));
    }

    /** The user as last loaded, without looking at the file: safe on any thread, the WebSocket ones included. */
    public Optional<User> findLoaded(String username) {
        return Optional.ofNullable(snapshot.users().get(username));
    }

    public Optional<User> find(String username) {
        reloadIfChanged();
        return Optional.ofNullable(snapshot.users().get(username));
    }

    public Collection<User> all() {
        return snapshot.users().values();
    }

    /**
     * The highest bcrypt cost among the users who can log in, as last loaded, or {@code fallback} when there
     * are none: every login is made to cost at least this much, so a costly hash does not stand out.
     */
    public int maxCost(int fallback) {
        int max = snapshot.maxCost();
        return max == 0 ? fallback : max;
    }

    /**
     * Replaces {@code username}'s hash in the file, if the file still holds {@code oldHash} for it (an operator
     * may have changed it meanwhile), and reloads. Serialised with itself; file I/O, so on the login pool.
     */
    public synchronized boolean replaceHash(String username, String oldHash, String newHash) throws IOException {
        Map<String, User> users = readIfExists(file);
        User user = users.get(username);
        if (user == null || !user.passwordHash().equals(oldHash)) {
            return false;
        }
        users.put(username, new User(username, newHash, user.roles(), user.disabled()));
        write(file, users.values());
        // Not reloadIfChanged: on a file system with coarse timestamps the rewrite may not show as a change.
        snapshot = load(file);
        return true;
    }

    /** Re-reads the file if it changed since the last read; file I/O, so never on a WebSocket thread. */
    public void reloadIfChanged() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            if (!modified.equals(snapshot.modified())) {
                snapshot = load(file);
                log.info("reloaded users file {} ({} users)", file, snapshot.users().size());
            }
        } catch (IOException | IllegalArgumentException e) {
            log.warn("users file {} could not be reloaded, keeping the previous one: {}", file, e.getMessage());
        }
    }

    private static Snapshot load(Path file) throws IOException {
        FileTime modified = Files.getLastModifiedTime(file);
        return new Snapshot(parse(file, Files.readString(file)), modified);
    }

    static Map<String, User> parse(Path file, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("users file " + file + " is not valid JSON (line "
                    + e.getLocation().getLineNr() + ")");
        }
        JsonNode list = root == null ? null : root.get("users");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("users file " + file + " must be {\"users\":[...]}");
        }
        Map<String, User> users = new LinkedHashMap<>();
        for (JsonNode u : list) {
            List<String> roles = new ArrayList<>();
            u.path("roles").forEach(r -> roles.add(r.asText()));
            User user;
            try {
                user = new User(u.path("username").asText(null), u.path("password_hash").asText(null), roles,
                        u.path("disabled").asBoolean(false));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("users file " + file + ": " + e.getMessage());
            }
            if (!PasswordHasher.isBcryptHash(user.passwordHash())) {
                // One broken entry must not take the server down; it just never logs in. The hash is not shown.
                log.warn("users file {}: '{}' has a missing or malformed password_hash and can never log in"
                        + " (expected $2a$, $2b$ or $2y$ with cost 04-30)", file, user.username());
            }
            if (users.putIfAbsent(user.username(), user) != null) {
                throw new IllegalArgumentException("users file " + file + " lists '" + user.username() + "' twice");
            }
        }
        return users;
    }

    /** Serialises {@code users} in the users-file format and replaces {@code file} atomically (mode 0600). */
    public static void write(Path file, Collection<User> users) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("users");
        for (User u : users) {
            ObjectNode n = list.addObject();
            n.put("username", u.username());
            n.put("password_hash", u.passwordHash());
            u.roles().forEach(n.putArray("roles")::add);
            if (u.disabled()) {
                n.put("disabled", true);
            }
        }
        byte[] bytes = (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        PrivateFiles.writeAtomically(file, bytes);
    }

    /** Reads the users of an existing file, or none if it does not exist (for {@code add-user}). */
    public static Map<String, User> readIfExists(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new LinkedHashMap<>();
        }
        return new LinkedHashMap<>(parse(file, Files.readString(file)));
    }
}
