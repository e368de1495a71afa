package dev.portcullis.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests reading, validating, writing and reloading the JSON users file. */
@DisplayName("UserStore")
class UserStoreTest {
    private static final String HASH_A = PasswordHasherTest.PY_2A;
    private static final String HASH_B = PasswordHasherTest.PY_2B;
    private static final String HASH_Y = PasswordHasherTest.PHP_2Y;

    @TempDir
    Path dir;

    private Path usersFile(String json) throws IOException {
        Path file = dir.resolve("users.json");
        Files.writeString(file, json, StandardCharsets.UTF_8);
        return file;
    }

    private static String entry(String name, String hash, String rolesJson) {
        return "{\"username\":\"" + name + "\",\"password_hash\":\"" + hash + "\",\"roles\":" + rolesJson + "}";
    }

    private static String file(String... entries) {
        return "{\"users\":[" + String.join(",", entries) + "]}";
    }

    @Test
    @DisplayName("A users file is parsed into users with their hashes and roles")
    void parsesFile() throws IOException {
        Path path = usersFile(file(
                entry("alice", HASH_A, "[\"user\",\"ops\"]"),
                entry("bob@example.org", HASH_B, "[]"),
                "{\"username\":\"carol\",\"password_hash\":\"" + HASH_Y + "\"}"));
        UserStore store = UserStore.open(path);

        User alice = store.find("alice").orElseThrow();
        assertEquals(HASH_A, alice.passwordHash());
        assertEquals(List.of("user", "ops"), alice.roles());
        assertEquals(List.of(), store.find("bob@example.org").orElseThrow().roles());
        assertEquals(List.of(), store.find("carol").orElseThrow().roles());
        assertTrue(store.find("dave").isEmpty());
        assertTrue(store.find("Alice").isEmpty(), "usernames are case-sensitive");
        assertEquals(List.of("alice", "bob@example.org", "carol"),
                store.all().stream().map(User::username).collect(Collectors.toList()));
    }

    @Test
    @DisplayName("maxCost is the highest cost in the file, or the fallback for an empty file")
    void maxCost() throws IOException {
        assertEquals(10, UserStore.open(usersFile(file(entry("a", HASH_A, "[]"), entry("y", HASH_Y, "[]"))))
                .maxCost(12));
        assertEquals(7, UserStore.open(usersFile(file())).maxCost(7));
    }

    @Test
    @DisplayName("A user listed twice is rejected with a message naming the file and the user")
    void rejectsDuplicate() throws IOException {
        Path path = usersFile(file(entry("alice", HASH_A, "[]"), entry("bob", HASH_B, "[]"),
                entry("alice", HASH_Y, "[\"admin\"]")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UserStore.open(path));
        assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'alice'"), e.getMessage());
    }

    @Test
    @DisplayName("A malformed or missing hash does not stop the server: the entry loads and can never log in")
    void brokenHashIsUnusable() throws IOException {
        Path path = usersFile(file(entry("alice", HASH_A, "[]"), entry("bob", "plaintext-password", "[]"),
                "{\"username\":\"carol\",\"roles\":[]}", entry("dave", "$2a$99$" + HASH_A.substring(7), "[]")));
        UserStore store = UserStore.open(path);
        assertTrue(store.find("alice").orElseThrow().canLogIn());
        assertFalse(store.find("bob").orElseThrow().canLogIn());
        assertFalse(store.find("carol").orElseThrow().canLogIn());
        assertFalse(store.find("dave").orElseThrow().canLogIn());
        assertEquals(PasswordHasher.costOf(HASH_A), store.maxCost(12), "broken entries do not set the dummy cost");
    }

    @Test
    @DisplayName("A disabled user is loaded, can never log in, and stays disabled when the file is rewritten")
    void disabledUser() throws IOException {
        Path path = usersFile(file("{\"username\":\"alice\",\"password_hash\":\"" + HASH_A + "\",\"disabled\":true}"));
        User alice = UserStore.open(path).find("alice").orElseThrow();
        assertTrue(alice.disabled());
        assertFalse(alice.canLogIn());
        UserStore.write(path, List.of(alice));
        assertTrue(UserStore.open(path).find("alice").orElseThrow().disabled());
    }

    @Test
    @DisplayName("An invalid username is rejected with a message naming the file")
    void rejectsIncompleteEntries() throws IOException {
        Path badName = usersFile(file(entry("al ice", HASH_A, "[]")));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> UserStore.open(badName));
        assertTrue(e2.getMessage().contains(badName.toString()), e2.getMessage());
    }

    @Test
    @DisplayName("Invalid JSON or a wrong shape is rejected with a message naming the file")
    void rejectsMalformedFile() throws IOException {
        for (String text : new String[] {"{\"users\":[", "[]", "{\"users\":{}}", "{}"}) {
            Path path = usersFile(text);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UserStore.open(path), text);
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
        }
    }

    @Test
    @DisplayName("Opening a missing users file fails with a message naming the file")
    void missingFile() {
        Path absent = dir.resolve("absent.json");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> UserStore.open(absent));
        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    }

    @Test
    @DisplayName("Users written with write are read back unchanged by open, in the same order")
    void writeThenOpen() throws IOException {
        Path path = dir.resolve("nested/users.json");
        List<User> users = List.of(
                new User("zed", HASH_Y, List.of("admin", "ops")),
                new User("alice", HASH_A, List.of()),
                new User("bob", HASH_B, List.of("user")));
        UserStore.write(path, users);

        UserStore store = UserStore.open(path);
        assertEquals(users, List.copyOf(store.all()));
        assertEquals(Map.of("zed", users.get(0), "alice", users.get(1), "bob", users.get(2)),
                UserStore.readIfExists(path));
        assertTrue(Files.readString(path).endsWith("\n"));
    }

    @Test
    @DisplayName("A written users file has mode 0600 and leaves no temporary file behind")
    void writtenFileIsPrivate() throws IOException {
        Path path = dir.resolve("users.json");
        UserStore.write(path, List.of(new User("alice", HASH_A, List.of("user"))));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(path));
        UserStore.write(path, List.of(new User("bob", HASH_B, List.of("user"))));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(path));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(path), files.collect(Collectors.toList()));
        }
    }

    @Test
    @DisplayName("readIfExists returns no users for a missing file")
    void readIfExistsMissing() throws IOException {
        assertTrue(UserStore.readIfExists(dir.resolve("absent.json")).isEmpty());
    }

    @Test
    @DisplayName("A lookup re-reads the file once its modification time changes")
    void reloadsWhenModified() throws IOException {
        Path path = usersFile(file(entry("alice", HASH_A, "[\"user\"]")));
        FileTime original = FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(path, original);
        UserStore store = UserStore.open(path);
        assertTrue(store.find("bob").isEmpty());

        UserStore.write(path, List.of(new User("alice", HASH_A, List.of("admin")), new User("bob", HASH_B, List.of())));
        Files.setLastModifiedTime(path, FileTime.fromMillis(original.toMillis() + 10_000));

        assertTrue(store.find("bob").isPresent());
        assertEquals(List.of("admin"), store.find("alice").orElseThrow().roles());
    }

    @Test
    @DisplayName("A lookup keeps the cached users while the modification time is unchanged")
    void keepsCacheWhenNotModified() throws IOException {
        Path path = usersFile(file(entry("alice", HASH_A, "[\"user\"]")));
        FileTime original = FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(path, original);
        UserStore store = UserStore.open(path);

        Files.writeString(path, file(entry("bob", HASH_B, "[]")));
        Files.setLastModifiedTime(path, original);

        assertTrue(store.find("alice").isPresent());
        assertTrue(store.find("bob").isEmpty());
    }

    @Test
    @DisplayName("A modified file that is broken is ignored and the previous users stay in effect")
    void keepsPreviousUsersWhenReloadFails() throws IOException {
        Path path = usersFile(file(entry("alice", HASH_A, "[\"user\"]")));
        FileTime original = FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(path, original);
        UserStore store = UserStore.open(path);

        Files.writeString(path, "{\"users\": [ broken");
        Files.setLastModifiedTime(path, FileTime.fromMillis(original.toMillis() + 10_000));
        assertTrue(store.find("alice").isPresent());

        Files.writeString(path, file(entry("bob", HASH_B, "[]")));
        Files.setLastModifiedTime(path, FileTime.fromMillis(original.toMillis() + 20_000));
        assertTrue(store.find("bob").isPresent());
        assertTrue(store.find("alice").isEmpty());
    }
}
