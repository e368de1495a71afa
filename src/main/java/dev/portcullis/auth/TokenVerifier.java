package dev.portcullis.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.SignatureGenerationException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks access tokens: HS256 only (so {@code alg:none} and RS256 fail), no {@code crit} header, a valid
 * signature, the configured issuer, a numeric {@code exp} and a string {@code sub}, the clock leeway, and a
 * {@code token_use} that is absent or {@code "access"}. Thread-safe.
 */
public final class TokenVerifier {
    /** The claim that says what kind of token this is; other kinds (refresh, ticket) must never open the gate. */
    public static final String TOKEN_USE = "token_use";
    public static final String ACCESS = "access";

    /**
     * The latest {@code exp} accepted: far beyond any real token, yet early enough that every instant and delay
     * computed from it (plus leeway, in milliseconds from now) fits its type.
     */
    private static final Instant LATEST_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");

    private final JWTVerifier verifier;

    public TokenVerifier(JwtSecret secret, String issuer, Duration leeway, Clock clock) {
        // java-jwt compares the header's alg with this algorithm's name (HS256) before it checks the signature.
        var verification = (JWTVerifier.BaseVerification) JWT.require(new Hs256(secret.bytes()))
                .withIssuer(issuer)
                .withClaimPresence("exp")
                .withClaimPresence("sub")
                .acceptLeeway(leeway.toSeconds());
        this.verifier = verification.build(clock);
    }

    public VerifiedToken verify(String token) throws TokenRejectedException {
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(token);
        } catch (TokenExpiredException e) {
            // Only reached once the signature has been checked, so an expired forgery still reads as invalid.
            throw new TokenRejectedException(TokenRejectedException.Reason.EXPIRED, "token expired");
        } catch (JWTVerificationException e) {
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, e.getClass().getSimpleName());
        } catch (DateTimeException | ArithmeticException e) {
            // java-jwt turns a numeric date into an Instant unchecked: an exp of 1e17 s is past Instant.MAX.
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, "a date claim is out of range");
        }
        // java-jwt reads a JSON null date as absent and a number as a sub's text: neither may pass.
        requireType(jwt.getClaim("exp"), "exp", JsonNode::isNumber, true);
        requireType(jwt.getClaim("iat"), "iat", JsonNode::isNumber, false);
        requireType(jwt.getClaim("nbf"), "nbf", JsonNode::isNumber, false);
        requireType(jwt.getClaim("sub"), "sub", JsonNode::isTextual, true);
        requireType(jwt.getClaim("iss"), "iss", JsonNode::isTextual, true);
        // RFC 7515 §4.1.11: crit names extensions the recipient must understand, and we understand none; a crit
        // that is empty, not an array or lists a standard name is malformed. So any crit at all is refused.
        if (!jwt.getHeaderClaim("crit").isMissing()) {
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, "crit header is not understood");
        }
        if (jwt.getExpiresAtAsInstant().isAfter(LATEST_EXPIRY)) {
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, "exp is out of range");
        }
        List<String> roles = stringList(jwt, "roles").orElse(List.of());
        var use = jwt.getClaim(TOKEN_USE);
        // Absent is accepted so tokens from other issuers sharing the secret still work; any other kind is not.
        if (!use.isMissing() && !ACCESS.equals(use.asString())) {
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, "token_use is not 'access'");
        }
        if (jwt.getSubject() == null || jwt.getSubject().isBlank() || jwt.getSubject().length() > 256) {
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, "subject missing, empty or longer than 256 characters");
        }
        return new VerifiedToken(jwt.getSubject(), roles, jwt.getIssuedAtAsInstant(), jwt.getExpiresAtAsInstant(),
                jwt.getId(), stringList(jwt, "rooms"));
    }

    /** A claim that must be present (when {@code required}) and, when present, of one JSON type; null is no type. */
    private static void requireType(Claim claim, String name, Predicate<JsonNode> type, boolean required)
            throws TokenRejectedException {
        if (claim.isMissing()) {
            if (required) {
                throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, name + " claim is missing");
            }
            return;
        }
        JsonNode node;
        try {
            node = claim.as(JsonNode.class);
        } catch (JWTDecodeException e) {
            node = null;
        }
        if (node == null || !type.test(node)) {
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, name + " claim has the wrong type");
        }
    }

    /** An optional claim that must be a list of strings when present; anything else makes the token invalid. */
    private static Optional<List<String>> stringList(DecodedJWT jwt, String name) throws TokenRejectedException {
        var claim = jwt.getClaim(name);
        if (claim.isMissing() || claim.isNull()) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            // The parsed JSON node itself (Jackson hands a tree node back as it is), not a conversion: asList
            // would convert every element, and asList(String.class) would quietly turn numbers into strings.
            node = claim.as(JsonNode.class);
        } catch (JWTDecodeException e) {
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, name + " claim is not a list of strings");
        }
        if (node == null || !node.isArray()) {
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, name + " claim is not a list of strings");
        }
        List<String> list = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, name + " claim is not a list of strings");
            }
            list.add(element.textValue());
        }
        return Optional.of(List.copyOf(list));
    }

    /**
     * HS256 for checking signatures, with one keyed {@link Mac} per thread: java-jwt's own HMAC256 looks up
     * and keys a new Mac for every token, half of the HMAC's cost in the connect benchmark's profile.
     * Signing stays with {@link TokenIssuer}; this instance never signs.
     */
    private static final class Hs256 extends Algorithm {
        private final ThreadLocal<Mac> macs;

        Hs256(byte[] secret) {
            super("HS256", "HmacSHA256");
            SecretKeySpec key = new SecretKeySpec(secret, "HmacSHA256");
            this.macs = ThreadLocal.withInitial(() -> {
                try {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(key);
                    return mac;
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("HmacSHA256 is not available", e);
                }
            });
        }

        @Override
        public void verify(DecodedJWT jwt) throws SignatureVerificationException {
            byte[] signature;
            try {
                signature = Base64.getUrlDecoder().decode(jwt.getSignature());
            } catch (IllegalArgumentException e) {
                throw new SignatureVerificationException(this, e);
            }
            Mac mac = macs.get();
            mac.update(jwt.getHeader().getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            // doFinal also resets the Mac for this thread's next token.
            byte[] expected = mac.doFinal(jwt.getPayload().getBytes(StandardCharsets.UTF_8));
            // Constant time: how much of a forged signature matched must not show in the answer's timing.
            if (!MessageDigest.isEqual(expected, signature)) {
                throw new SignatureVerificationException(this);
            }
        }

        @Override
        public byte[] sign(byte[] contentBytes) throws SignatureGenerationException {
            throw new SignatureGenerationException(this, new UnsupportedOperationException("verification only"));
        }
    }
}
