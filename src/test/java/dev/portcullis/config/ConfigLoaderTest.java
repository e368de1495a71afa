package dev.portcullis.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Tests that ConfigLoader resolves options as flag, then environment, then properties file, then default. */
@DisplayName("ConfigLoader")
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static Config load(Map<String, String> env, Map<Option, String> flags) {
        return new ConfigLoader(env).load(flags);
    }

    private Path propertiesFile(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static Map<Option, String> flags(Object... pairs) {
        Map<Option, String> m = new EnumMap<>(Option.class);
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((Option) pairs[i], (String) pairs[i + 1]);
        }
        return m;
    }

    @Test
    @DisplayName("With nothing configured every option takes the documented default")
    void defaults() {
        Config c = load(Map.of(), Map.of());
        Path data = Path.of("./data");
        assertEquals("127.0.0.1", c.listeners().bind());
        assertEquals(8080, c.listeners().wsPort());
        assertEquals(8081, c.listeners().httpPort());
        assertEquals(data, c.storage().dataDir());
        assertEquals(data.resolve("users.json"), c.logins().usersFile());
        assertFalse(c.logins().usersFileExplicit());
        assertEquals(data.resolve("jwt-secret"), c.auth().jwtSecretFile());
        assertFalse(c.auth().jwtSecretExplicit());
        assertEquals(data.resolve("audit.log"), c.storage().auditLog());
        assertEquals("portcullis", c.auth().issuer());
        assertEquals(Duration.ofHours(1), c.auth().tokenTtl());
        assertEquals(Duration.ofSeconds(5), c.auth().clockLeeway());
        assertEquals(Duration.ofSeconds(5), c.auth().timeout());
        assertEquals(65536, c.connections().maxMessageBytes());
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() - 1), c.logins().threads());
        assertEquals(64, c.logins().queue());
        assertEquals(12, c.logins().bcryptCost());
        assertEquals(new HttpConfig(Duration.ofSeconds(10), 32, 8, List.of(), 1000), c.http());
        assertEquals("info", c.logLevel());
        assertEquals(32, c.abuse().ipv4Prefix());
        assertEquals(64, c.abuse().ipv6Prefix());
    }

    @Test
    @DisplayName("The users file, secret file and audit log default to files inside a changed data dir")
    void derivedPathsFollowDataDir() {
        Path data = dir.resolve("state");
        Config c = load(Map.of(), flags(Option.DATA_DIR, data.toString()));
        assertEquals(data, c.storage().dataDir());
        assertEquals(data.resolve("users.json"), c.logins().usersFile());
        assertEquals(data.resolve("jwt-secret"), c.auth().jwtSecretFile());
        assertEquals(data.resolve("audit.log"), c.storage().auditLog());
        assertFalse(c.logins().usersFileExplicit());
        assertFalse(c.auth().jwtSecretExplicit());
    }

    @Test
    @DisplayName("A named users file and secret file are used as given and marked as explicit")
    void explicitPaths() {
        Path users = dir.resolve("elsewhere/u.json");
        Path secret = dir.resolve("elsewhere/s");
        Config c = load(Map.of(), flags(Option.USERS, users.toString(), Option.JWT_SECRET_FILE, secret.toString()));
        assertEquals(users, c.logins().usersFile());
        assertTrue(c.logins().usersFileExplicit());
        assertEquals(secret, c.auth().jwtSecretFile());
        assertTrue(c.auth().jwtSecretExplicit());
    }

    @Test
    @DisplayName("A named audit log file is used as given")
    void explicitAuditLog() {
        Path log = dir.resolve("a.log");
        assertEquals(log, load(Map.of(), flags(Option.AUDIT_LOG, log.toString())).storage().auditLog());
        assertEquals(log, load(Map.of("PORTCULLIS_AUDIT_LOG", log.toString()), Map.of()).storage().auditLog());
    }

    // Fails against ConfigLoader.java line 32: Optional.map(a -> null) yields an empty Optional, so orElse()
    // puts the default DATA_DIR/audit.log back. Enable once that line is fixed.
    @Test
    @DisplayName("An audit log of '-' from a flag, the environment or the config file means stderr, represented as no file")
    void auditLogDashMeansStderr() throws IOException {
        assertNull(load(Map.of(), flags(Option.AUDIT_LOG, "-")).storage().auditLog());
        assertNull(load(Map.of("PORTCULLIS_AUDIT_LOG", "-"), Map.of()).storage().auditLog());
        Path file = propertiesFile("p.properties", "audit-log=-\n");
        assertNull(load(Map.of(), flags(Option.CONFIG, file.toString())).storage().auditLog());
    }

    static Stream<Arguments> precedenceCases() {
        return Stream.of(
                Arguments.of(Option.WS_PORT, "PORTCULLIS_WS_PORT", "1001", "1002", "1003",
                        (Function<Config, Object>) c -> c.listeners().wsPort(), 1001, 1002, 1003, 8080),
                Arguments.of(Option.BIND, "PORTCULLIS_BIND", "10.0.0.1", "10.0.0.2", "10.0.0.3",
                        (Function<Config, Object>) c -> c.listeners().bind(), "10.0.0.1", "10.0.0.2", "10.0.0.3", "127.0.0.1"),
                Arguments.of(Option.TOKEN_TTL, "PORTCULLIS_TOKEN_TTL", "10m", "2h", "PT5M",
                        (Function<Config, Object>) c -> c.auth().tokenTtl(),
                        Duration.ofMinutes(10), Duration.ofHours(2), Duration.ofMinutes(5), Duration.ofHours(1)),
                Arguments.of(Option.MAX_MESSAGE_BYTES, "PORTCULLIS_MAX_MESSAGE_BYTES", "2KiB", "512KiB", "4096",
                        (Function<Config, Object>) c -> c.connections().maxMessageBytes(), 2048, 524288, 4096, 65536),
                Arguments.of(Option.ISSUER, "PORTCULLIS_ISSUER", "flag-iss", "env-iss", "file-iss",
                        (Function<Config, Object>) c -> c.auth().issuer(), "flag-iss", "env-iss", "file-iss", "portcullis"),
                Arguments.of(Option.LOG_LEVEL, "PORTCULLIS_LOG_LEVEL", "debug", "WARN", "error",
                        (Function<Config, Object>) Config::logLevel, "debug", "warn", "error", "info"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precedenceCases")
    @DisplayName("A flag beats the environment, which beats the config file, which beats the default")
    void precedence(Option option, String envName, String flagValue, String envValue, String fileValue,
                    Function<Config, Object> getter,
                    Object fromFlag, Object fromEnv, Object fromFile, Object fromDefault) throws IOException {
        Path file = propertiesFile("p.properties", option.key() + "=" + fileValue + "\n");
        Map<String, String> envWithValue = Map.of(envName, envValue);
        Map<Option, String> configFlag = flags(Option.CONFIG, file.toString());
        Map<Option, String> allFlags = flags(Option.CONFIG, file.toString(), option, flagValue);

        assertEquals(fromFlag, getter.apply(load(envWithValue, allFlags)), "flag over env and file");
        assertEquals(fromEnv, getter.apply(load(envWithValue, configFlag)), "env over file");
        assertEquals(fromFile, getter.apply(load(Map.of(), configFlag)), "file over default");
        assertEquals(fromDefault, getter.apply(load(Map.of(), Map.of())), "default");
        assertEquals(fromFlag, getter.apply(load(Map.of(), flags(option, flagValue))), "flag over default");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "config, PORTCULLIS_CONFIG",
            "ws-port, PORTCULLIS_WS_PORT",
            "data-dir, PORTCULLIS_DATA_DIR",
            "jwt-secret-file, PORTCULLIS_JWT_SECRET_FILE",
            "max-message-bytes, PORTCULLIS_MAX_MESSAGE_BYTES",
            "log-level, PORTCULLIS_LOG_LEVEL"
    })
    @DisplayName("The environment name is PORTCULLIS_ and the key in upper case with dashes turned into underscores")
    void environmentNames(String key, String envName) {
        assertEquals(envName, Option.byKey(key).orElseThrow().envName());
    }

    @Test
    @DisplayName("An environment variable in lower case or with dashes is not read")
    void environmentNamesAreExact() {
        Map<String, String> env = new HashMap<>();
        env.put("portcullis_ws_port", "1");
        env.put("PORTCULLIS_WS-PORT", "2");
        env.put("WS_PORT", "3");
        assertEquals(8080, load(env, Map.of()).listeners().wsPort());
    }

    @Test
    @DisplayName("The config file may be named by PORTCULLIS_CONFIG instead of --config")
    void configFileFromEnvironment() throws IOException {
        Path file = propertiesFile("env.properties", "http-port=7001\nbind=192.0.2.1\n");
        Config c = load(Map.of("PORTCULLIS_CONFIG", file.toString()), Map.of());
        assertEquals(7001, c.listeners().httpPort());
        assertEquals("192.0.2.1", c.listeners().bind());
    }

    @Test
    @DisplayName("--config on the command line beats PORTCULLIS_CONFIG")
    void configFlagBeatsConfigEnvironment() throws IOException {
        Path fromEnv = propertiesFile("env.properties", "http-port=7001\n");
        Path fromFlag = propertiesFile("flag.properties", "http-port=7002\n");
        Config c = load(Map.of("PORTCULLIS_CONFIG", fromEnv.toString()), flags(Option.CONFIG, fromFlag.toString()));
        assertEquals(7002, c.listeners().httpPort());
    }

    @Test
    @DisplayName("Options from a config file apply to the derived paths too")
    void configFileSetsPaths() throws IOException {
        Path data = dir.resolve("d");
        Path file = propertiesFile("p.properties",
                "# comment\ndata-dir=" + data + "\nusers=" + dir.resolve("u.json") + "\n");
        Config c = load(Map.of(), flags(Option.CONFIG, file.toString()));
        assertEquals(data, c.storage().dataDir());
        assertEquals(data.resolve("jwt-secret"), c.auth().jwtSecretFile());
        assertEquals(data.resolve("audit.log"), c.storage().auditLog());
        assertEquals(dir.resolve("u.json"), c.logins().usersFile());
        assertTrue(c.logins().usersFileExplicit());
    }

    @Test
    @DisplayName("An unknown key in the config file is an error naming the key and the file")
    void unknownKeyInConfigFile() throws IOException {
        Path file = propertiesFile("bad.properties", "ws-port=1\nwsport=2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of(), flags(Option.CONFIG, file.toString())));
        assertTrue(e.getMessage().contains("wsport"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    @DisplayName("A config file may not name another config file")
    void configKeyInConfigFile() throws IOException {
        Path file = propertiesFile("nested.properties", "config=/etc/other.properties\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of(), flags(Option.CONFIG, file.toString())));
        assertTrue(e.getMessage().contains("config"), e.getMessage());
    }

    @Test
    @DisplayName("A missing config file is an error naming the file")
    void missingConfigFile() {
        Path file = dir.resolve("absent.properties");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of(), flags(Option.CONFIG, file.toString())));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @ParameterizedTest(name = "--{0} {1}")
    @CsvSource({
            "ws-port, abc",
            "ws-port, 70000",
            "http-port, -1",
            "token-ttl, soon",
            "token-ttl, 0s",
            "auth-timeout, 0",
            "clock-leeway, PT-5S",
            "max-message-bytes, 64KB",
            "max-message-bytes, 1023",
            "login-threads, 0",
            "login-queue, -1",
            "bcrypt-cost, 3",
            "bcrypt-cost, 32",
            "bcrypt-cost, twelve",
            "log-level, loud",
            "ipv4-prefix, 0",
            "ipv4-prefix, 33",
            "ipv6-prefix, 129",
            "ipv6-prefix, /64",
            "issuer, ' '"
    })
    @DisplayName("An invalid flag value is rejected with a message naming the option")
    void invalidFlagNamesOption(String key, String value) {
        Option option = Option.byKey(key).orElseThrow();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of(), flags(option, value)));
        assertTrue(e.getMessage().contains("--" + key), e.getMessage());
    }

    @Test
    @DisplayName("An invalid value from the environment names the variable, and from the config file its key and line")
    void invalidValueFromEnvOrFileNamesItsSource() throws IOException {
        IllegalArgumentException fromEnv = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of("PORTCULLIS_WS_PORT", "eighty"), Map.of()));
        assertEquals("PORTCULLIS_WS_PORT: not a whole number: 'eighty'", fromEnv.getMessage());

        Path file = propertiesFile("p.properties", "# timeouts\nbind=127.0.0.1\n\nauth-timeout = forever\n");
        IllegalArgumentException fromFile = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of(), flags(Option.CONFIG, file.toString())));
        assertTrue(fromFile.getMessage().startsWith("auth-timeout (config file " + file + ", line 4): not a duration"),
                fromFile.getMessage());
    }

    @Test
    @DisplayName("A range check of a value from the environment or the config file names that source, not the flag")
    void rangeCheckNamesItsSource() throws IOException {
        IllegalArgumentException fromEnv = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of("PORTCULLIS_WS_PORT", "70000"), Map.of()));
        assertEquals("PORTCULLIS_WS_PORT must be between 0 and 65535", fromEnv.getMessage());

        Path file = propertiesFile("p.properties", "max-rooms-per-connection=0\n");
        IllegalArgumentException fromFile = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of(), flags(Option.CONFIG, file.toString())));
        assertEquals("max-rooms-per-connection (config file " + file + ", line 1) must be at least 1",
                fromFile.getMessage());

        IllegalArgumentException fromFlag = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of("PORTCULLIS_WS_PORT", "1"), flags(Option.WS_PORT, "70000")));
        assertEquals("--ws-port must be between 0 and 65535", fromFlag.getMessage());
    }

    @Test
    @DisplayName("A duration without a unit is refused wherever it comes from, with the accepted forms")
    void bareDurationRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of("PORTCULLIS_TOKEN_TTL", "5"), Map.of()));
        assertTrue(e.getMessage().startsWith("PORTCULLIS_TOKEN_TTL: '5' has no unit; write it as 250ms, 5s, 10m, 1h, 2d"),
                e.getMessage());
    }

    @Test
    @DisplayName("An unknown key in the config file is refused with its line and the nearest key")
    void unknownFileKeySuggestsNearest() throws IOException {
        Path file = propertiesFile("p.properties", "bind=127.0.0.1\nws_port=9000\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of(), flags(Option.CONFIG, file.toString())));
        assertEquals("unknown key 'ws_port' in config file " + file + ", line 2; did you mean ws-port?", e.getMessage());
    }

    @Test
    @DisplayName("A config file that does not exist is refused, naming the option that named it")
    void missingConfigFileNamesItsSource() {
        Path file = dir.resolve("absent.properties");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of("PORTCULLIS_CONFIG", file.toString()), Map.of()));
        assertEquals("the config file " + file + " (from PORTCULLIS_CONFIG) does not exist", e.getMessage());
    }

    @Test
    @DisplayName("A rooms file that does not exist is a configuration error naming the file and its source")
    void missingRoomsFile() throws IOException {
        Path rooms = dir.resolve("nope.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of(), flags(Option.ROOMS, rooms.toString())));
        assertTrue(e.getMessage().startsWith("--rooms: the rooms file " + rooms + " does not exist; create it"),
                e.getMessage());
        Files.writeString(rooms, "{}");
        assertEquals(rooms, load(Map.of(), flags(Option.ROOMS, rooms.toString())).rooms().rulesFile());
    }

    @Test
    @DisplayName("Every PORTCULLIS_ variable that is no option gets a warning with the nearest option; others none")
    void unknownEnvironmentWarnings() {
        Map<String, String> env = new HashMap<>();
        env.put("PORTCULLIS_WS_PROT", "1");
        env.put("PORTCULLIS_ZZZZZZZZZZZZ", "1");
        env.put("PORTCULLIS_WS_PORT", "1");
        env.put("PORTCULLIS_PASSWORD", "for the example client");
        env.put("HOME", "/root");
        List<String> warnings = new ConfigLoader(env).unknownEnvironment();
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("PORTCULLIS_WS_PROT is not an option and is ignored; did you mean"
                + " PORTCULLIS_WS_PORT?"), warnings.get(0));
        assertTrue(warnings.get(1).contains("PORTCULLIS_ZZZZZZZZZZZZ"), warnings.get(1));
        assertFalse(warnings.get(1).contains("did you mean"), warnings.get(1));
    }

    @Test
    @DisplayName("Values are trimmed and the log level is case-insensitive")
    void trimsValues() {
        Config c = load(Map.of("PORTCULLIS_LOG_LEVEL", " DEBUG "), flags(Option.WS_PORT, " 9000 "));
        assertEquals(9000, c.listeners().wsPort());
        assertEquals("debug", c.logLevel());
    }

    @Test
    @DisplayName("--max-pending-connections auto is a quarter of --max-connections, off with it, and never above it (protocol.md §12.6)")
    void pendingConnectionsFollowTheConnectionCap() {
        assertEquals(2500, load(Map.of(), Map.of()).abuse().maxPendingConnections());
        assertEquals(25, load(Map.of(), flags(Option.MAX_CONNECTIONS, "100")).abuse().maxPendingConnections());
        assertEquals(1, load(Map.of(), flags(Option.MAX_CONNECTIONS, "2")).abuse().maxPendingConnections());
        assertEquals(0, load(Map.of(), flags(Option.MAX_CONNECTIONS, "off")).abuse().maxPendingConnections());
        assertEquals(30, load(Map.of(), flags(Option.MAX_PENDING_CONNECTIONS, "30")).abuse().maxPendingConnections());
        assertEquals(0, load(Map.of(), flags(Option.MAX_PENDING_CONNECTIONS, "OFF")).abuse().maxPendingConnections());
        IllegalArgumentException above = assertThrows(IllegalArgumentException.class, () -> load(Map.of(),
                flags(Option.MAX_CONNECTIONS, "100", Option.MAX_PENDING_CONNECTIONS, "101")));
        assertEquals("--max-pending-connections must not exceed --max-connections", above.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> load(Map.of(), flags(Option.MAX_PENDING_CONNECTIONS, "0")));
        assertTrue(zero.getMessage().startsWith("--max-pending-connections: "), zero.getMessage());
    }
}
