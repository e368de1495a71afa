package dev.portcullis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.Main;
import dev.portcullis.auth.PasswordHasher;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.config.LoginConfig;
import dev.portcullis.config.Option;
import dev.portcullis.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests the command line of Main: --help, usage errors, hash-password and add-user, with stdin as the password source. */
@DisplayName("Main command line")
class MainTest {
    private static final PasswordHasher HASHER = new PasswordHasher(new SecureRandom());

    @TempDir
    Path dir;

    /** The outcome of one run: exit status and what went to stdout and stderr. */
    private record Run(Main.Exit exit, String out, String err) {
    }

    private static Run run(Map<String, String> env, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Exit exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = new Main(env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), null, o, e)
                    .run(args);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run run(String stdin, String... args) {
        return run(Map.of(), stdin, args);
    }

    private Path users() {
        return dir.resolve("conf/users.json");
    }

    private Run addUser(String name, String password, String... extra) {
        String[] args = Stream.concat(
                Stream.of("add-user", name, "--users", users().toString(), "--bcrypt-cost", "4"),
                Stream.of(extra)).toArray(String[]::new);
        return run(password + "\n", args);
    }

    private List<Path> filesInUsersDir() throws IOException {
        try (Stream<Path> s = Files.list(users().getParent())) {
            return s.collect(Collectors.toList());
        }
    }

    @Test
    @DisplayName("--help prints every option with its environment variable and exits OK")
    void help() {
        Run r = run("", "--help");
        assertEquals(Main.Exit.OK, r.exit());
        for (Option o : Option.values()) {
            assertTrue(r.out().contains("--" + o.key()), "missing --" + o.key());
            assertTrue(r.out().contains(o.envName()), "missing " + o.envName());
        }
        assertEquals("", r.err());
    }

    @Test
    @DisplayName("--help after a subcommand also prints help instead of running the command")
    void helpAfterSubcommand() {
        Run r = run("", "add-user", "alice", "--help");
        assertEquals(Main.Exit.OK, r.exit());
        assertTrue(r.out().contains("--bcrypt-cost"), r.out());
    }

    @Test
    @DisplayName("An unknown option exits with USAGE and names the option on stderr")
    void unknownOption() {
        Run r = run("", "--no-such-option", "1");
        assertEquals(Main.Exit.USAGE, r.exit());
        assertTrue(r.err().contains("--no-such-option"), r.err());
        assertTrue(r.err().contains("--help"), r.err());
        assertEquals("", r.out());
    }

    @Test
    @DisplayName("An invalid option value exits with USAGE and names the option on stderr")
    void invalidValue() {
        Run r = run("secret\n", "hash-password", "--bcrypt-cost", "3");
        assertEquals(Main.Exit.USAGE, r.exit());
        assertTrue(r.err().contains("--bcrypt-cost"), r.err());
        assertEquals("", r.out());
    }

    @Test
    @DisplayName("hash-password reads the password from stdin and prints a $2a$04$ hash of it")
    void hashPassword() {
        Run r = run("hunter2 with spaces\n", "hash-password", "--bcrypt-cost", "4");
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        String hash = r.out().strip();
        assertEquals(r.out(), hash + System.lineSeparator());
        assertTrue(hash.startsWith("$2a$04$"), hash);
        assertTrue(HASHER.verify("hunter2 with spaces", hash));
        assertFalse(HASHER.verify("hunter2", hash));
    }

    @Test
    @DisplayName("hash-password takes its cost from the environment when no flag is given")
    void hashPasswordCostFromEnvironment() {
        Run r = run(Map.of("PORTCULLIS_BCRYPT_COST", "5"), "long-enough-pw\r\n", "hash-password");
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        assertTrue(r.out().startsWith("$2a$05$"), r.out());
        assertTrue(HASHER.verify("long-enough-pw", r.out().strip()), "a CRLF line ending is not part of the password");
    }

    @Test
    @DisplayName("hash-password refuses positional arguments")
    void hashPasswordRejectsArguments() {
        Run r = run("long-enough-pw\n", "hash-password", "pw", "--bcrypt-cost", "4");
        assertEquals(Main.Exit.USAGE, r.exit());
        assertEquals("", r.out());
    }

    @Test
    @DisplayName("add-user creates the users file with mode 0600 holding the user, roles and a verifying hash")
    void addUserCreatesFile() throws IOException {
        Run r = addUser("alice", "alice-password", "--role", "user", "--role", "ops");
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        assertTrue(r.err().contains("alice"), r.err());

        User alice = UserStore.open(users()).find("alice").orElseThrow();
        assertEquals(List.of("user", "ops"), alice.roles());
        assertTrue(alice.passwordHash().startsWith("$2a$04$"), alice.passwordHash());
        assertTrue(HASHER.verify("alice-password", alice.passwordHash()));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(users()));
        assertEquals(List.of(users()), filesInUsersDir(), "no temporary file may be left behind");
    }

    @Test
    @DisplayName("add-user before the first start creates the data dir owner-only (0700), its parents included")
    void addUserCreatesPrivateDataDir() throws Exception {
        Path data = dir.resolve("fresh/data");
        Run r = run("alice-password\n", "add-user", "alice", "--data-dir", data.toString(), "--bcrypt-cost", "4");
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        assertTrue(Files.exists(data.resolve("users.json")));
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(data));
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(data.getParent()),
                "every directory it creates, the parents included");

        Path deep = dir.resolve("conf/a/b/users.json");
        assertEquals(Main.Exit.OK, run("bob-password\n", "add-user", "bob", "--users", deep.toString(),
                "--bcrypt-cost", "4").exit());
        for (Path p = deep.getParent(); !p.equals(dir); p = p.getParent()) {
            assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(p), p.toString());
        }
    }

    @Test
    @DisplayName("The server creates the directories of its own files owner-only (0700): the audit log's here")
    void serverCreatesPrivateDirectories() throws Exception {
        Path logs = dir.resolve("logs/portcullis");
        try (TestServer server = TestServer.start(dir.resolve("srv"), "--audit-log", logs.resolve("audit.log").toString())) {
            assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(logs));
            assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(logs.getParent()));
        }
    }

    @Test
    @DisplayName("add-user without --role gives the user the role 'user'")
    void addUserDefaultRole() throws IOException {
        assertEquals(Main.Exit.OK, addUser("carol", "carol-password").exit());
        assertEquals(List.of("user"), UserStore.open(users()).find("carol").orElseThrow().roles());
    }

    @Test
    @DisplayName("Adding a second user keeps the first one unchanged")
    void addSecondUserKeepsFirst() throws IOException {
        assertEquals(Main.Exit.OK, addUser("alice", "alice-password", "--role", "user", "--role", "ops").exit());
        User aliceBefore = UserStore.open(users()).find("alice").orElseThrow();

        Run r = addUser("bob", "bob-password");
        assertEquals(Main.Exit.OK, r.exit(), r.err());

        UserStore store = UserStore.open(users());
        assertEquals(aliceBefore, store.find("alice").orElseThrow());
        assertTrue(HASHER.verify("bob-password", store.find("bob").orElseThrow().passwordHash()));
        assertEquals(List.of("alice", "bob"), store.all().stream().map(User::username).collect(Collectors.toList()));
        assertEquals(List.of(users()), filesInUsersDir());
    }

    @Test
    @DisplayName("Re-adding an existing user replaces the hash and roles and keeps the other users")
    void readdReplacesUser() throws IOException {
        assertEquals(Main.Exit.OK, addUser("alice", "old-password", "--role", "user", "--role", "ops").exit());
        assertEquals(Main.Exit.OK, addUser("bob", "bob-password").exit());
        String oldHash = UserStore.open(users()).find("alice").orElseThrow().passwordHash();

        Run r = addUser("alice", "new-password", "--role", "admin");
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        assertTrue(r.err().contains("updated"), r.err());

        UserStore store = UserStore.open(users());
        User alice = store.find("alice").orElseThrow();
        assertNotEquals(oldHash, alice.passwordHash());
        assertTrue(HASHER.verify("new-password", alice.passwordHash()));
        assertFalse(HASHER.verify("old-password", alice.passwordHash()));
        assertEquals(List.of("admin"), alice.roles());
        assertEquals(2, store.all().size());
        assertTrue(store.find("bob").isPresent());
    }

    @Test
    @DisplayName("An empty password is refused with USAGE and no users file is written")
    void emptyPassword() {
        for (String stdin : new String[] {"\n", ""}) {
            Run r = run(stdin, "add-user", "alice", "--users", users().toString(), "--bcrypt-cost", "4");
            assertEquals(Main.Exit.USAGE, r.exit());
            assertTrue(r.err().contains("empty password"), r.err());
            assertFalse(Files.exists(users()));
        }
        assertEquals(Main.Exit.USAGE, run("\n", "hash-password", "--bcrypt-cost", "4").exit());
    }

    @Test
    @DisplayName("A password over 72 bytes is refused with USAGE, while exactly 72 bytes is accepted")
    void passwordLengthLimit() {
        Run tooLong = addUser("alice", "x".repeat(73));
        assertEquals(Main.Exit.USAGE, tooLong.exit());
        assertTrue(tooLong.err().contains("72"), tooLong.err());
        assertFalse(Files.exists(users()));

        Run multiByte = addUser("alice", "é".repeat(37));
        assertEquals(Main.Exit.USAGE, multiByte.exit(), "37 two-byte characters are 74 bytes");
        assertFalse(Files.exists(users()));

        assertEquals(Main.Exit.OK, addUser("alice", "x".repeat(72)).exit());
        assertTrue(Files.exists(users()));
    }

    @Test
    @DisplayName("add-user without exactly one name, or with an invalid name, is refused with USAGE")
    void addUserBadName() {
        assertEquals(Main.Exit.USAGE, run("long-enough-pw\n", "add-user", "--users", users().toString()).exit());
        assertEquals(Main.Exit.USAGE, run("long-enough-pw\n", "add-user", "a", "b", "--users", users().toString()).exit());
        assertEquals(Main.Exit.USAGE, addUser("no spaces allowed", "long-enough-pw").exit());
        assertFalse(Files.exists(users()));
    }

    @Test
    @DisplayName("--role with hash-password is refused with USAGE")
    void roleOutsideAddUser() {
        Run r = run("long-enough-pw\n", "hash-password", "--role", "ops", "--bcrypt-cost", "4");
        assertEquals(Main.Exit.USAGE, r.exit());
        assertTrue(r.err().contains("--role"), r.err());
    }

    @Test
    @DisplayName("A password shorter than MIN_PASSWORD_CHARS is refused with USAGE and the minimum, and nothing is written")
    void passwordMinimum() {
        String short11 = "x".repeat(LoginConfig.MIN_PASSWORD_CHARS - 1);
        Run r = addUser("alice", short11);
        assertEquals(Main.Exit.USAGE, r.exit());
        assertTrue(r.err().contains("shorter than " + LoginConfig.MIN_PASSWORD_CHARS + " characters"), r.err());
        assertFalse(Files.exists(users()));
        assertEquals(Main.Exit.USAGE, run(short11 + "\n", "hash-password", "--bcrypt-cost", "4").exit());

        assertEquals(Main.Exit.OK, addUser("alice", "é".repeat(LoginConfig.MIN_PASSWORD_CHARS)).exit(),
                "the minimum counts characters, not bytes");
    }

    @Test
    @DisplayName("A misspelt subcommand is refused with USAGE and the nearest command")
    void unknownCommandSuggestsNearest() {
        Run r = run("", "adduser", "alice");
        assertEquals(Main.Exit.USAGE, r.exit());
        assertTrue(r.err().contains("unknown command 'adduser'; did you mean add-user?"), r.err());
        assertEquals("", r.out());

        Run far = run("", "frobnicate");
        assertEquals(Main.Exit.USAGE, far.exit());
        assertFalse(far.err().contains("did you mean"), far.err());
        assertTrue(far.err().contains("commands: add-user, gen-fernet-key, gen-secret, hash-password, serve"), far.err());
    }

    @Test
    @DisplayName("A misspelt option is refused with USAGE and the nearest option")
    void unknownOptionSuggestsNearest() {
        Run r = run("", "--ws-prot", "9000");
        assertEquals(Main.Exit.USAGE, r.exit());
        assertTrue(r.err().contains("unknown option --ws-prot; did you mean --ws-port?"), r.err());
    }

    @Test
    @DisplayName("A missing rooms file is refused with USAGE, naming the file and the option that gave it")
    void missingRoomsFile() {
        Path rooms = dir.resolve("nope.json");
        Run r = run("", "--rooms", rooms.toString(), "--data-dir", dir.resolve("data").toString());
        assertEquals(Main.Exit.USAGE, r.exit());
        assertTrue(r.err().contains("--rooms: the rooms file " + rooms + " does not exist"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());

        Run fromEnv = run(Map.of("PORTCULLIS_ROOMS", rooms.toString()), "", "--data-dir", dir.resolve("data").toString());
        assertEquals(Main.Exit.USAGE, fromEnv.exit());
        assertTrue(fromEnv.err().contains("PORTCULLIS_ROOMS: the rooms file"), fromEnv.err());
    }

    @Test
    @DisplayName("A bad value from the environment names the variable, not the flag")
    void badEnvironmentValueNamesVariable() {
        Run r = run(Map.of("PORTCULLIS_WS_PORT", "eighty"), "", "--data-dir", dir.resolve("data").toString());
        assertEquals(Main.Exit.USAGE, r.exit());
        assertTrue(r.err().contains("PORTCULLIS_WS_PORT: not a whole number: 'eighty'"), r.err());
        assertFalse(r.err().contains("--ws-port:"), r.err());
    }

    @Test
    @DisplayName("A PORTCULLIS_ variable that is no option is warned about with the nearest one, and the command still runs")
    void unknownEnvironmentVariableWarns() {
        Run r = run(Map.of("PORTCULLIS_BCRYPT_COTS", "5", "PORTCULLIS_BCRYPT_COST", "4"), "hunter2 with spaces\n",
                "hash-password");
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        assertTrue(r.err().contains("warning: environment variable PORTCULLIS_BCRYPT_COTS is not an option"
                + " and is ignored; did you mean PORTCULLIS_BCRYPT_COST?"), r.err());
        assertTrue(r.out().startsWith("$2a$04$"), r.out());

        Run failing = run(Map.of("PORTCULLIS_BCRYPTCOST", "4"), "hunter2 with spaces\n", "hash-password",
                "--bcrypt-cost", "3");
        assertEquals(Main.Exit.USAGE, failing.exit());
        assertTrue(failing.err().contains("PORTCULLIS_BCRYPTCOST is not an option"),
                "the warning comes even when the configuration is refused: " + failing.err());
    }

    @ParameterizedTest(name = "{0} in use")
    @ValueSource(strings = {"ws-port", "http-port"})
    @DisplayName("A listener port in use fails with FAILURE, naming the port and option and what to do, without a stack trace")
    void portInUse(String option) throws IOException {
        try (ServerSocket holder = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String other = option.equals("ws-port") ? "--http-port" : "--ws-port";
            Run r = run("", "--" + option, String.valueOf(holder.getLocalPort()), other, "0",
                    "--data-dir", dir.resolve("data").toString(), "--audit-log", "-");
            assertEquals(Main.Exit.FAILURE, r.exit());
            assertTrue(r.err().contains("port " + holder.getLocalPort() + " on 127.0.0.1 (--" + option), r.err());
            assertTrue(r.err().contains("is already in use; stop what holds it, or pick another with --" + option
                    + " PORT (0 picks a free one)"), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    @DisplayName("A file the server cannot create is named with what is wrong, not only its path, and exits with FAILURE")
    void unusableFileSaysWhatIsWrong() {
        // Nothing can be created in /proc, not even by root, and the JDK reports that with the bare path.
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux's /proc");
        Path audit = Path.of("/proc/portcullis-test/audit.log");
        Run r = run("", "--data-dir", dir.resolve("data").toString(), "--ws-port", "0", "--http-port", "0",
                "--audit-log", audit.toString());
        assertEquals(Main.Exit.FAILURE, r.exit());
        assertTrue(r.err().contains("portcullis: " + audit.getParent() + ": does not exist"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertEquals("", r.out());
    }
}
