package dev.portcullis.http;

import com.sun.net.httpserver.HttpExchange;
import dev.portcullis.auth.RevocationStore;
import dev.portcullis.auth.TokenRejectedException;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.VerifiedToken;

/** {@code Authorization: Bearer <access token>} on the HTTP API: valid and not revoked, or a 401. */
final class Bearer {
    private Bearer() {
    }

    /** The request's verified token, or null after answering 401 (with {@code WWW-Authenticate: Bearer}). */
    static VerifiedToken require(HttpExchange exchange, TokenVerifier verifier, RevocationStore revocations) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            try {
                VerifiedToken token = verifier.verify(header.substring(7).strip());
                if (!revocations.isRevoked(token)) {
                    return token;
                }
            } catch (TokenRejectedException e) {
                // answered below, the same for every kind of bad token
            }
        }
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        HttpJson.send(exchange, 401, HttpJson.error("invalid_token", "send Authorization: Bearer <access token>"));
        return null;
    }
}
