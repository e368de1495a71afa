package dev.portcullis.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Signs HS256 access tokens carrying {@code sub}, {@code iat}, {@code exp}, {@code jti}, {@code iss},
 * {@code roles} and {@code token_use: "access"}.
 */
public final class TokenIssuer {
    private final Algorithm algorithm;
    private final String issuer;
    private final Duration ttl;
    private final Clock clock;

    public TokenIssuer(JwtSecret secret, String issuer, Duration ttl, Clock clock) {
        this.algorithm = Algorithm.HMAC256(secret.bytes());
        this.issuer = issuer;
        this.ttl = ttl;
        this.clock = clock;
    }

    public IssuedToken issue(User user) {
        // JWT times are whole seconds; truncating keeps expires_in and exp in agreement.
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expiresAt = now.plus(ttl);
        String jti = UUID.randomUUID().toString();
        String token = JWT.create()
                .withIssuer(issuer)
                .withSubject(user.username())
                .withIssuedAt(now)
                .withExpiresAt(expiresAt)
                .withJWTId(jti)
                .withClaim("roles", user.roles())
                .withClaim(TokenVerifier.TOKEN_USE, TokenVerifier.ACCESS)
                .sign(algorithm);
        return new IssuedToken(token, jti, expiresAt);
    }

    public Duration ttl() {
        return ttl;
    }
}
