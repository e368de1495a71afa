package dev.portcullis.room;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.auth.VerifiedToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may join which room. Rules come from the rooms file, are tried in file order, and the first whose
 * pattern matches the room decides; a room no rule matches follows the default. A token's {@code rooms}
 * claim narrows this further: the room must also match one of its patterns (protocol.md §11.1).
 */
public final class RoomPolicy {
    /** What happens to a room no rule names. */
    public enum Default { ALLOW, DENY }

    /** One entry of the rooms file; {@code "*"} in {@code users} means every authenticated user. */
    record Rule(Glob pattern, Set<String> users, Set<String> roles) {
        boolean admits(String user, List<String> userRoles) {
            return users.contains("*") || users.contains(user) || userRoles.stream().anyMatch(roles::contains);
        }
    }

    private final List<Rule> rules;
    private final Default fallback;

    RoomPolicy(List<Rule> rules, Default fallback) {
        this.rules = List.copyOf(rules);
        this.fallback = fallback;
    }

    /** No rules at all: every room follows {@code fallback}. */
    public static RoomPolicy of(Default fallback) {
        return new RoomPolicy(List.of(), fallback);
    }

    /**
     * Reads {@code {"rooms":[{"name":"team-*","users":["alice"],"roles":["staff"]}]}}; fails with a message
     * naming the file and the entry when it is malformed.
     */
    public static RoomPolicy load(Path file, Default fallback) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("rooms file " + file + " is not valid JSON (line "
                    + e.getLocation().getLineNr() + ")");
        }
        JsonNode list = root == null ? null : root.get("rooms");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("rooms file " + file + " must be {\"rooms\":[...]}");
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            JsonNode name = entry.get("name");
            if (name == null || !name.isTextual() || name.textValue().isEmpty()) {
                throw new IllegalArgumentException("rooms file " + file + ": entry " + i + " needs a string 'name'");
            }
            rules.add(new Rule(Glob.of(name.textValue()), strings(file, i, entry, "users"), strings(file, i, entry, "roles")));
        }
        return new RoomPolicy(rules, fallback);
    }

    private static Set<String> strings(Path file, int i, JsonNode entry, String field) {
        Set<String> out = new HashSet<>();
        JsonNode list = entry.get(field);
        if (list == null) {
            return out;
        }
        if (!list.isArray()) {
            throw new IllegalArgumentException("rooms file " + file + ": '" + field + "' of entry " + i + " must be a list");
        }
        for (JsonNode n : list) {
            if (!n.isTextual()) {
                throw new IllegalArgumentException("rooms file " + file + ": '" + field + "' of entry " + i + " must list strings");
            }
            out.add(n.textValue());
        }
        return out;
    }

    /** Whether the holder of {@code token} may join {@code room}. */
    public boolean allows(VerifiedToken token, String room) {
        if (token.rooms().isPresent() && token.rooms().get().stream().noneMatch(p -> Glob.of(p).matches(room))) {
            return false;
        }
        for (Rule rule : rules) {
            if (rule.pattern().matches(room)) {
                return rule.admits(token.subject(), token.roles());
            }
        }
        return fallback == Default.ALLOW;
    }
}
