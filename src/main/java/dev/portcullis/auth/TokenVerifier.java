package dev.portcullis.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Checks access tokens: HS256 only (so {@code alg:none} and RS256 fail), a valid signature, the configured
 * issuer, a present {@code exp} and {@code sub}, the clock leeway, and a {@code token_use} that is absent
 * or {@code "access"}. Thread-safe.
 */
public final class TokenVerifier {
    /** The claim that says what kind of token this is; other kinds (refresh, ticket) must never open the gate. */
    public static final String TOKEN_USE = "token_use";
    public static final String ACCESS = "access";

    private final JWTVerifier verifier;

    public TokenVerifier(JwtSecret secret, String issuer, Duration leeway, Clock clock) {
        // java-jwt compares the header's alg with this algorithm before it checks the signature.
        var verification = (JWTVerifier.BaseVerification) JWT.require(Algorithm.HMAC256(secret.bytes()))
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

    /** An optional claim that must be a list of strings when present; anything else makes the token invalid. */
    private static Optional<List<String>> stringList(DecodedJWT jwt, String name) throws TokenRejectedException {
        var claim = jwt.getClaim(name);
        if (claim.isMissing() || claim.isNull()) {
            return Optional.empty();
        }
        try {
            // asList(String.class) would quietly turn numbers and booleans into strings.
            List<Object> list = claim.asList(Object.class);
            if (list == null || !list.stream().allMatch(String.class::isInstance)) {
                throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, name + " claim is not a list of strings");
            }
            return Optional.of(list.stream().map(String.class::cast).toList());
        } catch (JWTDecodeException e) {
            throw new TokenRejectedException(TokenRejectedException.Reason.INVALID, name + " claim is not a list of strings");
        }
    }
}
