package dev.portcullis.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests the validation the Config record and its parts perform on construction. */
@DisplayName("Config")
class ConfigTest {

    private static Config config(int wsPort, int httpPort, int maxMessageBytes, int bcryptCost, String logLevel) {
        Path data = Path.of("data");
        return new Config(
                new ListenerConfig("127.0.0.1", wsPort, httpPort, null, null, List.of(), true),
                new HttpConfig(Duration.ofSeconds(10), 32, 8, List.of(), 1000),
                new StorageConfig(data, null, null),
                new AuthConfig(data.resolve("jwt-secret"), false, "portcullis", Duration.ofHours(1),
                        Duration.ofSeconds(5), Duration.ofSeconds(5), Set.of("message"), Duration.ofSeconds(30),
                        Duration.ofSeconds(60), Duration.ofMinutes(5)),
                new LoginConfig(data.resolve("users.json"), false, bcryptCost, 2, 64),
                new ConnectionConfig(maxMessageBytes, 1024 * 1024, 64L * 1024 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(5),
                        Duration.ofSeconds(30)),
                new RoomConfig(null, true, 100),
                new EncryptionConfig(List.of(), Duration.ofMinutes(5)),
                AbuseConfig.off(),
                logLevel);
    }

    private static Config validWithPort(int port) {
        return config(port, 8081, 65536, 12, "info");
    }

    @ParameterizedTest(name = "port {0}")
    @ValueSource(ints = {0, 1, 8080, 65535})
    @DisplayName("Ports from 0 to 65535 are accepted")
    void acceptsPortRange(int port) {
        assertEquals(port, validWithPort(port).listeners().wsPort());
        assertEquals(port, config(8080, port, 65536, 12, "info").listeners().httpPort());
    }

    @ParameterizedTest(name = "port {0}")
    @ValueSource(ints = {-1, 65536, Integer.MAX_VALUE})
    @DisplayName("Ports outside 0 to 65535 are rejected with a message naming the option")
    void rejectsPortsOutOfRange(int port) {
        IllegalArgumentException ws = assertThrows(IllegalArgumentException.class, () -> validWithPort(port));
        assertTrue(ws.getMessage().contains("--ws-port"), ws.getMessage());
        IllegalArgumentException http = assertThrows(IllegalArgumentException.class,
                () -> config(8080, port, 65536, 12, "info"));
        assertTrue(http.getMessage().contains("--http-port"), http.getMessage());
    }

    @Test
    @DisplayName("The largest message must be at least 1024 bytes")
    void maxMessageBytesMinimum() {
        assertEquals(1024, ConnectionConfig.MIN_MESSAGE_BYTES);
        assertDoesNotThrow(() -> config(8080, 8081, 1024, 12, "info"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config(8080, 8081, 1023, 12, "info"));
        assertTrue(e.getMessage().contains("--max-message-bytes"), e.getMessage());
    }

    @ParameterizedTest(name = "cost {0}")
    @ValueSource(ints = {4, 12, 30})
    @DisplayName("A bcrypt cost jBCrypt can compute is accepted")
    void acceptsBcryptCost(int cost) {
        assertEquals(cost, config(8080, 8081, 65536, cost, "info").logins().bcryptCost());
    }

    @ParameterizedTest(name = "cost {0}")
    @ValueSource(ints = {-1, 0, 3, 32, 99})
    @DisplayName("A bcrypt cost below 4 or above 31 is rejected with a message naming the option")
    void rejectsBcryptCost(int cost) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config(8080, 8081, 65536, cost, "info"));
        assertTrue(e.getMessage().contains("--bcrypt-cost"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"trace", "debug", "info", "warn", "error"})
    @DisplayName("Each documented log level is accepted")
    void acceptsLogLevels(String level) {
        assertEquals(level, config(8080, 8081, 65536, 12, level).logLevel());
    }

    @ParameterizedTest(name = "log level \"{0}\"")
    @ValueSource(strings = {"verbose", "INFO", "", "warning"})
    @DisplayName("Any other log level is rejected with a message naming the option")
    void rejectsLogLevels(String level) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config(8080, 8081, 65536, 12, level));
        assertTrue(e.getMessage().contains("--log-level"), e.getMessage());
    }

    @Test
    @DisplayName("Neither the configuration nor any part of it shows the TLS password, the Fernet keys or the Redis URL")
    void toStringRedactsSecrets() {
        Path data = Path.of("data");
        Config c = new Config(
                new ListenerConfig("127.0.0.1", 8080, 8081, Path.of("ks.p12"), "tls-pass-123", List.of(), true),
                config(8080, 8081, 65536, 12, "info").http(),
                new StorageConfig(data, null, "redis://:redis-pass-456@localhost:6379"),
                config(8080, 8081, 65536, 12, "info").auth(),
                config(8080, 8081, 65536, 12, "info").logins(),
                config(8080, 8081, 65536, 12, "info").connections(),
                new RoomConfig(null, true, 100),
                new EncryptionConfig(List.of("fernet-key-789"), Duration.ofMinutes(5)),
                AbuseConfig.off(),
                "info");
        for (Object part : List.of(c, c.listeners(), c.storage(), c.encryption())) {
            String text = part.toString();
            assertFalse(text.contains("tls-pass-123") || text.contains("redis-pass-456") || text.contains("fernet-key-789"),
                    text);
        }
        assertTrue(c.toString().contains("tls=true") && c.toString().contains("fernetKeys=1"), c.toString());
    }
}
