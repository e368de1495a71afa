package dev.portcullis.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.portcullis.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Tests that tokens from TokenIssuer verify in TokenVerifier, and that every kind of bad token is refused. */
@DisplayName("TokenIssuer and TokenVerifier")
class TokenTest {
    private static final String SECRET_TEXT = "a-test-secret-that-is-long-enough-for-hs256";
    private static final JwtSecret SECRET = JwtSecret.fromText(SECRET_TEXT);
    private static final String ISSUER = "portcullis-test";
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final Duration LEEWAY = Duration.ofSeconds(5);
    /** Deliberately not on a whole second: the issuer must truncate. */
    private static final Instant START = Instant.parse("2030-01-02T03:04:05.678Z");
    private static final Instant START_SECOND = Instant.parse("2030-01-02T03:04:05Z");

    private final MutableClock clock = new MutableClock(START);
    private final TokenIssuer issuer = new TokenIssuer(SECRET, ISSUER, TTL, clock);
    private final TokenVerifier verifier = new TokenVerifier(SECRET, ISSUER, LEEWAY, clock);
    private final User alice = new User("alice", PasswordHasherTest.PY_2A, List.of("user", "ops"));

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String hs256(byte[] key, String signingInput) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] sig = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    }

    private static TokenRejectedException.Reason rejection(Executable e) {
        return assertThrows(TokenRejectedException.class, e).reason();
    }

    private String validPayload() {
        long now = START_SECOND.getEpochSecond();
        return "{\"iss\":\"" + ISSUER + "\",\"sub\":\"mallory\",\"iat\":" + now + ",\"exp\":" + (now + 600)
                + ",\"roles\":[\"admin\"]}";
    }

    @Test
    @DisplayName("An issued token verifies and carries sub, roles, iat, exp, jti and iss")
    void roundTrip() throws Exception {
        IssuedToken issued = issuer.issue(alice);
        VerifiedToken v = verifier.verify(issued.token());

        assertEquals("alice", v.subject());
        assertEquals(List.of("user", "ops"), v.roles());
        assertEquals(START_SECOND, v.issuedAt());
        assertEquals(START_SECOND.plus(TTL), v.expiresAt());
        assertEquals(START_SECOND.plus(TTL), issued.expiresAt());
        assertEquals(issued.jwtId(), v.jwtId());
        assertTrue(issued.jwtId().matches("[0-9a-f-]{36}"), issued.jwtId());

        DecodedJWT decoded = JWT.decode(issued.token());
        assertEquals(ISSUER, decoded.getIssuer());
        assertEquals("HS256", decoded.getAlgorithm());
        assertEquals("access", decoded.getClaim("token_use").asString());
    }

    @Test
    @DisplayName("roles and rooms must be arrays of strings: numbers or booleans in them make the token invalid")
    void strictStringLists() throws Exception {
        String header = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        for (String claim : List.of("\"roles\":[1,2]", "\"roles\":[\"a\",true]", "\"rooms\":[\"a\",null]",
                "\"rooms\":\"a\"", "\"roles\":{\"a\":1}")) {
            String payload = b64(validPayload().replace("\"roles\":[\"admin\"]", claim));
            String input = header + "." + payload;
            String token = input + "." + hs256(SECRET_TEXT.getBytes(StandardCharsets.UTF_8), input);
            assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)), claim);
        }
    }

    @Test
    @DisplayName("A token of another kind (token_use other than access) never opens the gate; one without token_use does")
    void tokenKinds() throws Exception {
        String header = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        for (String use : List.of("\"refresh\"", "\"ticket\"", "\"Access\"", "1", "null")) {
            String payload = b64(validPayload().replace("}", ",\"token_use\":" + use + "}"));
            String input = header + "." + payload;
            String token = input + "." + hs256(SECRET_TEXT.getBytes(StandardCharsets.UTF_8), input);
            assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)), use);
        }
        String input = header + "." + b64(validPayload());
        assertEquals("mallory", verifier.verify(input + "." + hs256(SECRET_TEXT.getBytes(StandardCharsets.UTF_8), input)).subject());
    }

    @Test
    @DisplayName("Every issued token gets a different jti")
    void uniqueJwtIds() {
        assertNotEquals(issuer.issue(alice).jwtId(), issuer.issue(alice).jwtId());
    }

    @Test
    @DisplayName("The issued token's toString does not reveal the token")
    void issuedTokenToStringHidesToken() {
        IssuedToken issued = issuer.issue(alice);
        String signature = issued.token().substring(issued.token().lastIndexOf('.') + 1);
        assertFalse(issued.toString().contains(signature), issued.toString());
        assertTrue(issued.toString().contains(issued.jwtId()), issued.toString());
    }

    @Test
    @DisplayName("The issued token is signed with HMAC-SHA256 over the UTF-8 bytes of the secret text")
    void issuedSignatureMatchesPlainHmac() throws Exception {
        String token = issuer.issue(alice).token();
        int lastDot = token.lastIndexOf('.');
        assertEquals(hs256(SECRET_TEXT.getBytes(StandardCharsets.UTF_8), token.substring(0, lastDot)),
                token.substring(lastDot + 1));
    }

    @Test
    @DisplayName("A token past its expiry plus leeway is rejected as EXPIRED")
    void expired() {
        String token = issuer.issue(alice).token();
        clock.advance(TTL.plus(LEEWAY).plusSeconds(1));
        assertEquals(TokenRejectedException.Reason.EXPIRED, rejection(() -> verifier.verify(token)));
    }

    @Test
    @DisplayName("A token that expired less than the leeway ago is still accepted")
    void expiredWithinLeeway() throws Exception {
        String token = issuer.issue(alice).token();
        clock.advance(TTL.plusSeconds(3));
        assertEquals("alice", verifier.verify(token).subject());
    }

    @Test
    @DisplayName("Without leeway a token is accepted one second before exp and rejected at exp")
    void expiryBoundaryWithoutLeeway() throws Exception {
        TokenVerifier strict = new TokenVerifier(SECRET, ISSUER, Duration.ZERO, clock);
        String token = issuer.issue(alice).token();
        clock.set(START_SECOND.plus(TTL).minusSeconds(1));
        assertEquals("alice", strict.verify(token).subject());
        clock.set(START_SECOND.plus(TTL));
        assertEquals(TokenRejectedException.Reason.EXPIRED, rejection(() -> strict.verify(token)));
    }

    @Test
    @DisplayName("A token issued in the future beyond the leeway is rejected as INVALID")
    void issuedInTheFuture() {
        String token = issuer.issue(alice).token();
        clock.set(START.minusSeconds(60));
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)));
    }

    @Test
    @DisplayName("A token from another issuer is rejected as INVALID")
    void wrongIssuer() {
        String token = new TokenIssuer(SECRET, "someone-else", TTL, clock).issue(alice).token();
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)));
    }

    @Test
    @DisplayName("A token signed with another secret is rejected as INVALID")
    void wrongSecret() {
        JwtSecret other = JwtSecret.fromText("another-secret-that-is-also-long-enough!");
        String token = new TokenIssuer(other, ISSUER, TTL, clock).issue(alice).token();
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)));
    }

    @Test
    @DisplayName("A token with a tampered payload is rejected as INVALID")
    void tamperedPayload() {
        String[] parts = issuer.issue(alice).token().split("\\.");
        String forged = parts[0] + "." + b64(validPayload()) + "." + parts[2];
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(forged)));
    }

    @Test
    @DisplayName("An unsigned alg none token is rejected as INVALID")
    void algNone() {
        String token = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(validPayload()) + ".";
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)));
    }

    @Test
    @DisplayName("An HS256 header with an empty signature is rejected as INVALID")
    void emptySignature() {
        String token = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + b64(validPayload()) + ".";
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)));
    }

    @Test
    @DisplayName("An RS256 token is rejected as INVALID even with valid claims")
    void rs256() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair pair = gen.generateKeyPair();
        Algorithm rsa = Algorithm.RSA256((RSAPublicKey) pair.getPublic(), (RSAPrivateKey) pair.getPrivate());
        String token = JWT.create()
                .withIssuer(ISSUER)
                .withSubject("mallory")
                .withIssuedAt(START_SECOND)
                .withExpiresAt(START_SECOND.plus(TTL))
                .withClaim("roles", List.of("admin"))
                .sign(rsa);
        assertEquals("RS256", JWT.decode(token).getAlgorithm());
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)));
    }

    @Test
    @DisplayName("A correctly signed token without exp is rejected as INVALID")
    void missingExp() {
        String token = JWT.create()
                .withIssuer(ISSUER)
                .withSubject("alice")
                .withIssuedAt(START_SECOND)
                .sign(Algorithm.HMAC256(SECRET.bytes()));
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)));
    }

    @Test
    @DisplayName("A correctly signed token without sub is rejected as INVALID")
    void missingSub() {
        String token = JWT.create()
                .withIssuer(ISSUER)
                .withIssuedAt(START_SECOND)
                .withExpiresAt(START_SECOND.plus(TTL))
                .sign(Algorithm.HMAC256(SECRET.bytes()));
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(token)));
    }

    @Test
    @DisplayName("A string that is not a JWT is rejected as INVALID")
    void garbage() {
        for (String junk : new String[] {"", "garbage", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9.%%%.xyz"}) {
            assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(junk)), junk);
        }
    }

    @Test
    @DisplayName("An expired token with a forged signature is INVALID, not EXPIRED")
    void expiredForgeryIsInvalid() {
        JwtSecret forgerKey = JwtSecret.fromText("forger-secret-forger-secret-forger-secret");
        String forged = new TokenIssuer(forgerKey, ISSUER, TTL, clock).issue(alice).token();
        String genuine = issuer.issue(alice).token();
        clock.advance(TTL.plus(LEEWAY).plusSeconds(60));
        assertEquals(TokenRejectedException.Reason.EXPIRED, rejection(() -> verifier.verify(genuine)));
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(forged)));
    }

    @Test
    @DisplayName("A token signed by hand with HMAC-SHA256 over the secret text verifies with the secret read from a file")
    void interopWithPlainHmac() throws Exception {
        String text = "shared-secret-text-used-by-another-service-0123";
        long now = START_SECOND.getEpochSecond();
        String signingInput = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "."
                + b64("{\"iss\":\"" + ISSUER + "\",\"sub\":\"carol\",\"iat\":" + now + ",\"exp\":" + (now + 60)
                + ",\"jti\":\"jti-1\",\"roles\":[\"ops\",\"audit\"]}");
        String token = signingInput + "." + hs256(text.getBytes(StandardCharsets.UTF_8), signingInput);

        TokenVerifier fromFile = new TokenVerifier(JwtSecret.fromText(text + "\n"), ISSUER, LEEWAY, clock);
        VerifiedToken v = fromFile.verify(token);
        assertEquals("carol", v.subject());
        assertEquals(List.of("ops", "audit"), v.roles());
        assertEquals("jti-1", v.jwtId());
        assertEquals(START_SECOND, v.issuedAt());
        assertEquals(START_SECOND.plusSeconds(60), v.expiresAt());

        TokenVerifier withNewlineInKey = new TokenVerifier(
                JwtSecret.fromText(text + "\n\n"), ISSUER, LEEWAY, clock);
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> withNewlineInKey.verify(token)));
    }

    @Test
    @DisplayName("A correctly signed token without roles verifies with no roles, and non-list roles are INVALID")
    void rolesClaim() throws Exception {
        Algorithm hs = Algorithm.HMAC256(SECRET.bytes());
        String noRoles = JWT.create().withIssuer(ISSUER).withSubject("bob")
                .withExpiresAt(START_SECOND.plus(TTL)).sign(hs);
        assertEquals(List.of(), verifier.verify(noRoles).roles());

        String rolesAsString = JWT.create().withIssuer(ISSUER).withSubject("bob")
                .withExpiresAt(START_SECOND.plus(TTL)).withClaim("roles", "admin").sign(hs);
        assertEquals(TokenRejectedException.Reason.INVALID, rejection(() -> verifier.verify(rolesAsString)));
    }
}
