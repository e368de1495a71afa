package dev.portcullis.auth;

import java.time.Instant;

/** A freshly signed token with the facts a login response needs. {@link #toString()} hides the token. */
public record IssuedToken(String token, String jwtId, Instant expiresAt) {
    @Override
    public String toString() {
        return "IssuedToken[jti=" + jwtId + ", expiresAt=" + expiresAt + "]";
    }
}
