package dev.portcullis.http;

import com.sun.net.httpserver.HttpExchange;
import dev.portcullis.cluster.BrokerUnavailableException;
import dev.portcullis.cluster.SharedState;
import dev.portcullis.auth.TokenRejectedException;
import dev.portcullis.auth.TokenVerifier;
import dev.portcullis.auth.VerifiedToken;

/** {@code Authorization: Bearer <access token>} on the HTTP API: valid and not revoked, or a 401. */
final class Bearer {
    private Bearer() {
    }

    /**
     * The request's verified token, or null after answering 401 (with {@code WWW-Authenticate: Bearer}), or
     * 503 when revocations cannot be checked now (fail closed).
     */
    static VerifiedToken require(HttpExchange exchange, TokenVerifier verifier, SharedState revocations) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            try {
                VerifiedToken token = verifier.verify(header.substring(7).strip());
                if (!revocations.isRevoked(token)) {
                    return token;
                }
            } catch (BrokerUnavailableException e) {
                HttpJson.brokerUnavailable(exchange, e);
                return null;
            } catch (TokenRejectedException e) {
                // answered below, the same for every kind of bad token
            }
        }
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        HttpJson.send(exchange, 401, HttpJson.error("invalid_token", "send Authorization: Bearer <access token>"));
        return null;
    }
}
