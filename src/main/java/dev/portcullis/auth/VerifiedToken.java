package dev.portcullis.auth;

import java.time.Instant;
import java.util.List;

/** The claims Portcullis relies on, taken from a token whose signature, issuer and expiry all checked out. */
public record VerifiedToken(String subject, List<String> roles, Instant issuedAt, Instant expiresAt, String jwtId) {
    public VerifiedToken {
        roles = List.copyOf(roles);
    }
}
