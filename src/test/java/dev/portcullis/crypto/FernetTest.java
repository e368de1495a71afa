package dev.portcullis.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Fernet against the spec's own vectors (copied into the test resources) and rotation: protocol.md §14.1. */
class FernetTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> vectors(String name) throws IOException {
        try (InputStream in = FernetTest.class.getResourceAsStream("/fernet/" + name + ".json")) {
            List<JsonNode> out = new ArrayList<>();
            JSON.readTree(in).forEach(out::add);
            return out;
        }
    }

    static Stream<JsonNode> generate() throws IOException {
        return vectors("generate").stream();
    }

    static Stream<JsonNode> verify() throws IOException {
        return vectors("verify").stream();
    }

    static Stream<JsonNode> invalid() throws IOException {
        return vectors("invalid").stream();
    }

    private static MutableClock clockAt(JsonNode v) {
        return new MutableClock(OffsetDateTime.parse(v.get("now").asText()).toInstant());
    }

    private static Fernet fernet(JsonNode v, MutableClock clock) {
        return new Fernet(List.of(FernetKey.parse(v.get("secret").asText())), new SecureRandom(), clock);
    }

    @ParameterizedTest(name = "generate: {0}")
    @MethodSource("generate")
    @DisplayName("§14.1: every generate vector produces the spec's token byte for byte")
    void generates(JsonNode v) {
        MutableClock clock = clockAt(v);
        byte[] iv = new byte[16];
        for (int i = 0; i < 16; i++) {
            iv[i] = (byte) v.get("iv").get(i).asInt();
        }
        String token = fernet(v, clock).encrypt(v.get("src").asText().getBytes(StandardCharsets.UTF_8), clock.instant(), iv);
        assertEquals(v.get("token").asText(), token);
    }

    @ParameterizedTest(name = "verify: {0}")
    @MethodSource("verify")
    @DisplayName("§14.1: every verify vector decrypts to its plaintext within its TTL")
    void verifies(JsonNode v) throws Exception {
        MutableClock clock = clockAt(v);
        byte[] plain = fernet(v, clock).decrypt(v.get("token").asText(), Duration.ofSeconds(v.get("ttl_sec").asLong()));
        assertEquals(v.get("src").asText(), new String(plain, StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "invalid: {0}")
    @MethodSource("invalid")
    @DisplayName("§14.1: every invalid vector is refused")
    void refuses(JsonNode v) {
        MutableClock clock = clockAt(v);
        assertThrows(FernetException.class,
                () -> fernet(v, clock).decrypt(v.get("token").asText(), Duration.ofSeconds(v.get("ttl_sec").asLong())),
                v.get("desc").asText());
    }

    @Test
    @DisplayName("§14.1: a flipped bit anywhere, a wrong version or an expired stamp is refused; a round trip works")
    void tampering() throws Exception {
        MutableClock clock = MutableClock.atNow();
        Fernet f = new Fernet(List.of(FernetKey.parse(FernetKey.generate(new SecureRandom()))), new SecureRandom(), clock);
        byte[] plain = "{\"type\":\"message\"}".getBytes(StandardCharsets.UTF_8);
        String token = f.encrypt(plain);
        assertArrayEquals(plain, f.decrypt(token, Duration.ofMinutes(1)));
        byte[] raw = Base64.getUrlDecoder().decode(token);
        for (int i = 0; i < raw.length; i++) {
            byte[] flipped = raw.clone();
            flipped[i] ^= 0x01;
            String bad = Base64.getUrlEncoder().encodeToString(flipped);
            assertThrows(FernetException.class, () -> f.decrypt(bad, null), "bit flipped in byte " + i);
        }
        clock.advance(Duration.ofMinutes(2));
        assertThrows(FernetException.class, () -> f.decrypt(token, Duration.ofMinutes(1)));
        assertArrayEquals(plain, f.decrypt(token, null), "without a TTL the time is not checked");
    }

    @Test
    @DisplayName("§14.2: after rotation a token made with the old key still decrypts; new tokens use the new key")
    void rotation() throws Exception {
        SecureRandom random = new SecureRandom();
        MutableClock clock = MutableClock.atNow();
        FernetKey oldKey = FernetKey.parse(FernetKey.generate(random));
        FernetKey newKey = FernetKey.parse(FernetKey.generate(random));
        String old = new Fernet(List.of(oldKey), random, clock).encrypt("before".getBytes(StandardCharsets.UTF_8));
        Fernet rotated = new Fernet(List.of(newKey, oldKey), random, clock);
        assertEquals("before", new String(rotated.decrypt(old, null), StandardCharsets.UTF_8));
        String fresh = rotated.encrypt("after".getBytes(StandardCharsets.UTF_8));
        assertThrows(FernetException.class, () -> new Fernet(List.of(oldKey), random, clock).decrypt(fresh, null));
        assertEquals("after", new String(new Fernet(List.of(newKey), random, clock).decrypt(fresh, null), StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("§14.2: keys must be 32 bytes of URL-safe base64, and toString never shows one")
    void keys() {
        assertThrows(IllegalArgumentException.class, () -> FernetKey.parse("too-short"));
        assertThrows(IllegalArgumentException.class, () -> FernetKey.parse("!!!!"));
        String text = FernetKey.generate(new SecureRandom());
        assertEquals(44, text.length());
        assertEquals("FernetKey[redacted]", FernetKey.parse(text).toString());
    }
}
