package dev.portcullis.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import dev.portcullis.auth.IssuedToken;
import dev.portcullis.auth.User;
import dev.portcullis.auth.VerifiedToken;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The credential endpoints around the WebSocket (protocol.md §13): {@code POST /auth/ticket} trades an
 * access token for a single-use ticket, {@code POST /auth/refresh} for a fresh token, and
 * {@code POST /auth/logout} revokes it (or, with {@code {"all":true}}, every token of its user) and closes
 * the live sessions that used it. Each needs {@code Authorization: Bearer <access token>}.
 */
final class CredentialHandlers {
    private final HttpServices services;

    CredentialHandlers(HttpServices services) {
        this.services = services;
    }

    void ticket(HttpExchange exchange) {
        if (!services.ticketsEnabled()) {
            HttpJson.send(exchange, 404, HttpJson.error("not_found", "ticket mode is off (--auth-modes)"));
            return;
        }
        VerifiedToken token = Bearer.require(exchange, services.verifier(), services.shared());
        if (token == null) {
            return;
        }
        services.tickets().issue(token).whenComplete((ticket, failure) -> {
            if (failure == null) {
                HttpJson.send(exchange, 200, HttpJson.object().put("ticket", ticket)
                        .put("expires_in", services.tickets().ttl().toSeconds()));
            } else if (!HttpJson.brokerUnavailable(exchange, failure)) {
                Routes.log.error("could not store a ticket", failure);
                HttpJson.send(exchange, 500, HttpJson.error("internal_error", null));
            }
        });
    }

    /** A fresh token for a still-valid one, if its user still exists and may log in; roles as in the users file now. */
    void refresh(HttpExchange exchange) {
        VerifiedToken token = Bearer.require(exchange, services.verifier(), services.shared());
        if (token == null) {
            return;
        }
        Optional<User> user = services.users().find(token.subject()).filter(User::canLogIn);
        if (user.isEmpty()) {
            HttpJson.send(exchange, 401, HttpJson.error("invalid_token", "this user can no longer log in"));
            return;
        }
        IssuedToken fresh = services.issuer().issue(user.get());
        LoginHandler.tokenResponse(exchange, fresh, services.tokenTtl().toSeconds(), services.cookieMode(),
                exchange instanceof HttpsExchange);
    }

    /**
     * Revokes, waits until the revocation is stored (on disk, or in the cluster's shared state), then answers;
     * the live sessions it covers close on every instance as the revocation reaches it.
     */
    void logout(HttpExchange exchange) {
        VerifiedToken token = Bearer.require(exchange, services.verifier(), services.shared());
        if (token == null) {
            return;
        }
        boolean all;
        try {
            // An empty body means {}; chunked bodies are read like any other.
            JsonNode body = HttpJson.readObjectOrEmpty(exchange);
            JsonNode flag = body.get("all");
            if (flag != null && !flag.isNull() && !flag.isBoolean()) {
                throw new HttpJson.BadRequestException("'all' must be true or false");
            }
            all = flag != null && flag.asBoolean();
        } catch (HttpJson.TooLargeException e) {
            HttpJson.send(exchange, 413, HttpJson.error("body_too_large", null));
            return;
        } catch (HttpJson.BadRequestException e) {
            HttpJson.send(exchange, 400, HttpJson.error("invalid_request", e.getMessage()));
            return;
        } catch (IOException e) {
            exchange.close();
            return;
        }
        boolean everything = all;
        // Tokens this server issues live at most --token-ttl; a cutoff has to matter that long.
        CompletableFuture<Void> stored = everything
                ? services.shared().revokeAll(token.subject(), services.tokenTtl())
                : services.shared().revoke(token);
        stored.whenComplete((v, failure) -> {
            if (failure != null) {
                if (HttpJson.brokerUnavailable(exchange, failure)) {
                    return;
                }
                Routes.log.error("could not store a revocation", failure);
                HttpJson.send(exchange, 500, HttpJson.error("internal_error", null));
                return;
            }
            services.audit().tokenRevoked(token.subject(), Routes.remote(exchange), everything);
            if (services.cookieMode()) {
                exchange.getResponseHeaders().add("Set-Cookie", LoginHandler.SESSION_COOKIE
                        + "=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict" + (exchange instanceof HttpsExchange ? "; Secure" : ""));
            }
            HttpJson.send(exchange, 200, HttpJson.object().put("revoked", everything ? "all" : "token"));
        });
    }
}
