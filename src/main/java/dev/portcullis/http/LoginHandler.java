package dev.portcullis.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.portcullis.audit.AuditLog;
import dev.portcullis.auth.IssuedToken;
import dev.portcullis.auth.LoginService;
import dev.portcullis.limit.LoginThrottle;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.net.UpgradeCredentials;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * {@code POST /auth/login}: username and password in, bearer token out. The bcrypt check runs on the
 * login pool and the exchange is answered from there, so no HTTP thread waits on it.
 */
final class LoginHandler implements HttpHandler {
    /** The cookie set in cookie mode; the WebSocket reads the same name. */
    static final String SESSION_COOKIE = UpgradeCredentials.SESSION_COOKIE;

    private final LoginService logins;
    private final RequestGuard guard;
    private final boolean cookieMode;
    /** Over TLS the session cookie is Secure. */
    private final boolean secureCookies;
    private final Metrics metrics;
    private final LoginThrottle throttle;
    private final AuditLog audit;
    private final long ttlSeconds;

    LoginHandler(HttpServices services, RequestGuard guard, long ttlSeconds, boolean secureCookies) {
        this.guard = guard;
        this.secureCookies = secureCookies;
        this.logins = services.logins();
        this.throttle = services.throttle();
        this.cookieMode = services.cookieMode();
        this.metrics = services.metrics();
        this.audit = services.audit();
        this.ttlSeconds = ttlSeconds;
    }

    @Override
    public void handle(HttpExchange exchange) {
        String remote = Routes.remote(exchange);
        String username;
        String password;
        try {
            JsonNode body = HttpJson.readObject(exchange);
            username = HttpJson.requiredString(body, "username");
            password = HttpJson.requiredString(body, "password");
        } catch (HttpJson.TooLargeException e) {
            HttpJson.send(exchange, 413, HttpJson.error("body_too_large", "request bodies are limited to "
                    + HttpJson.MAX_BODY_BYTES + " bytes"));
            return;
        } catch (HttpJson.BadRequestException e) {
            HttpJson.send(exchange, 400, HttpJson.error("invalid_request", e.getMessage()));
            return;
        } catch (IOException e) {
            exchange.close();
            return;
        }
        // Read while the request is still inside the guard: the key is gone once the login runs on.
        String client = guard.clientKey(exchange);
        LoginThrottle.Decision decision = throttle.begin(username, client);
        if (!decision.allowed()) {
            // Checked before bcrypt, and counting the attempts still running: a throttled guess costs nothing.
            long wait = decision.retryAfterMillis();
            audit.loginThrottled(username, remote, wait);
            metrics.login("throttled");
            exchange.getResponseHeaders().set("Retry-After", String.valueOf((wait + 999) / 1000));
            HttpJson.send(exchange, 429, HttpJson.error("too_many_attempts", "too many failed logins; retry later"));
            return;
        }
        LoginThrottle.Attempt attempt = decision.attempt();
        logins.login(username, password, client).whenComplete((token, failure) -> {
            // Settled before answering, so a client that has its 401 finds it counted.
            attempt.settle(failure == null && token.isEmpty());
            if (failure != null) {
                answerFailure(exchange, username, remote, failure);
            } else {
                answer(exchange, username, remote, token);
            }
        });
    }

    private void answer(HttpExchange exchange, String username, String remote, Optional<IssuedToken> token) {
        if (token.isEmpty()) {
            metrics.login("invalid_credentials");
            audit.loginFailed(username, remote, "invalid_credentials");
            HttpJson.send(exchange, 401, HttpJson.error("invalid_credentials", null));
            return;
        }
        audit.loginOk(username, remote);
        metrics.login("ok");
        tokenResponse(exchange, token.get(), ttlSeconds, cookieMode, secureCookies);
    }

    /** The 200 answer with a token; in cookie mode also the HttpOnly session cookie for the WebSocket. */
    static void tokenResponse(HttpExchange exchange, IssuedToken token, long ttlSeconds, boolean cookieMode,
                              boolean secure) {
        if (cookieMode) {
            // SameSite=Strict keeps other sites' pages from sending it; over TLS it never travels in the clear.
            exchange.getResponseHeaders().add("Set-Cookie", SESSION_COOKIE + "=" + token.token() + "; Max-Age="
                    + ttlSeconds + "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""));
        }
        HttpJson.send(exchange, 200, HttpJson.object()
                .put("access_token", token.token())
                .put("token_type", "bearer")
                .put("expires_in", ttlSeconds));
    }

    private void answerFailure(HttpExchange exchange, String username, String remote, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof LoginService.BusyException busy) {
            audit.loginFailed(username, remote, "busy");
            metrics.login("busy");
            exchange.getResponseHeaders().set("Retry-After", "1");
            HttpJson.send(exchange, 503, HttpJson.error("busy", busy.addressShare()
                    ? "too many logins in progress from this address; retry shortly"
                    : "too many logins in progress; retry shortly"));
            return;
        }
        Routes.log.error("login failed with an internal error", cause);
        HttpJson.send(exchange, 500, HttpJson.error("internal_error", null));
    }
}
