package dev.portcullis.testing;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Hand-made tokens, good and hostile, for the gate tests. */
public final class Tokens {
    private Tokens() {
    }

    /** A token as the server would issue it at {@code clock}'s time, valid for {@code ttl}. */
    public static JWTCreator.Builder claims(String subject, Clock clock, Duration ttl) {
        Instant now = clock.instant();
        return JWT.create()
                .withIssuer("portcullis")
                .withSubject(subject)
                .withIssuedAt(now)
                .withExpiresAt(now.plus(ttl))
                .withJWTId(UUID.randomUUID().toString())
                .withClaim("roles", List.of("user"));
    }

    public static String hs256(JWTCreator.Builder claims, String secret) {
        return claims.sign(Algorithm.HMAC256(secret));
    }

    /**
     * A JWS over exactly this header and payload JSON, HMAC-SHA256 with {@code secret}'s UTF-8 bytes: for claims
     * of a type no JWT library would write (a null {@code exp}, a numeric {@code sub}, a {@code crit} header).
     */
    public static String handMade(String headerJson, String payloadJson, String secret) {
        String input = b64(headerJson) + "." + b64(payloadJson);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] signature = mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    public static String none(JWTCreator.Builder claims) {
        return claims.sign(Algorithm.none());
    }

    public static String rs256(JWTCreator.Builder claims) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
            gen.initialize(2048);
            KeyPair pair = gen.generateKeyPair();
            return claims.sign(Algorithm.RSA256((RSAPublicKey) pair.getPublic(), (RSAPrivateKey) pair.getPrivate()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
