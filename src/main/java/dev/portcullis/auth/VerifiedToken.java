package dev.portcullis.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The claims Portcullis relies on, taken from a token whose signature, issuer and expiry all checked out.
 *
 * @param rooms the token's {@code rooms} claim (room names or globs it is limited to), if it has one
 */
public record VerifiedToken(String subject, List<String> roles, Instant issuedAt, Instant expiresAt, String jwtId,
                            Optional<List<String>> rooms) {
    public VerifiedToken {
        roles = List.copyOf(roles);
        rooms = rooms.map(List::copyOf);
    }
}
