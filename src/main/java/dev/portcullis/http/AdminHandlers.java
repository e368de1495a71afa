package dev.portcullis.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.portcullis.auth.VerifiedToken;
import dev.portcullis.config.Values;
import dev.portcullis.gate.AbuseGuard;
import dev.portcullis.limit.Blocklist;
import java.io.IOException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@code POST /admin/block}, {@code POST /admin/unblock}, {@code GET /admin/blocks}: for bearers of an
 * access token with role {@code admin} (protocol.md §12.3). A change is answered once it is on disk.
 */
final class AdminHandlers {
    private static final Duration DEFAULT_BLOCK = Duration.ofHours(1);

    private final HttpServices services;
    private final AbuseGuard abuse;
    private final Clock clock;

    AdminHandlers(HttpServices services) {
        this.services = services;
        this.abuse = services.abuse();
        this.clock = services.clock();
    }

    /** {@code {"user":"bob","duration":"1h","reason":"spam"}}; duration and reason are optional. */
    void block(HttpExchange exchange) throws IOException {
        VerifiedToken admin = admin(exchange);
        if (admin == null) {
            return;
        }
        JsonNode body = body(exchange);
        if (body == null) {
            return;
        }
        String user = text(exchange, body, "user");
        if (user == null) {
            return;
        }
        Instant until;
        try {
            Duration duration = body.hasNonNull("duration") ? Values.durationOrSeconds(body.get("duration").asText()) : DEFAULT_BLOCK;
            if (duration.isZero() || duration.isNegative()) {
                throw new IllegalArgumentException("must be positive");
            }
            until = clock.instant().plus(duration);
        } catch (IllegalArgumentException | ArithmeticException | DateTimeException e) {
            HttpJson.send(exchange, 400, HttpJson.error("invalid_request", "'duration' must be a positive duration such as 2h"));
            return;
        }
        String reason = body.path("reason").asText("blocked by " + admin.subject());
        answer(exchange, abuse.block(user, until, reason, admin.subject()),
                AdminHandlers::blockJson);
    }

    /** {@code {"user":"bob"}}. */
    void unblock(HttpExchange exchange) throws IOException {
        VerifiedToken admin = admin(exchange);
        if (admin == null) {
            return;
        }
        JsonNode body = body(exchange);
        String user = body == null ? null : text(exchange, body, "user");
        if (user == null) {
            return;
        }
        answer(exchange, abuse.unblock(user, admin.subject()),
                had -> HttpJson.object().put("user", user).put("unblocked", had));
    }

    void list(HttpExchange exchange) {
        if (admin(exchange) == null) {
            return;
        }
        ObjectNode out = HttpJson.object();
        ArrayNode blocks = out.putArray("blocks");
        abuse.blocks().forEach(b -> blocks.add(blockJson(b)));
        HttpJson.send(exchange, 200, out);
    }

    private static ObjectNode blockJson(Blocklist.Block b) {
        return HttpJson.object().put("user", b.user()).put("until", b.until().getEpochSecond()).put("reason", b.reason());
    }

    private <T> void answer(HttpExchange exchange, CompletableFuture<T> change, Function<T, ObjectNode> json) {
        change.whenComplete((value, failure) -> {
            if (failure != null) {
                if (HttpJson.brokerUnavailable(exchange, failure)) {
                    return;
                }
                Routes.log.error("could not store the blocklist", failure);
                HttpJson.send(exchange, 500, HttpJson.error("internal_error", null));
            } else {
                HttpJson.send(exchange, 200, json.apply(value));
            }
        });
    }

    /** The verified admin token of the request, or null after answering 401 or 403. */
    private VerifiedToken admin(HttpExchange exchange) {
        VerifiedToken token = Bearer.require(exchange, services.verifier(), services.shared());
        if (token == null) {
            return null;
        }
        if (!token.roles().contains("admin")) {
            HttpJson.send(exchange, 403, HttpJson.error("forbidden", "this needs role admin"));
            return null;
        }
        return token;
    }

    static JsonNode body(HttpExchange exchange) {
        try {
            return HttpJson.readObject(exchange);
        } catch (HttpJson.TooLargeException e) {
            HttpJson.send(exchange, 413, HttpJson.error("body_too_large", null));
        } catch (HttpJson.BadRequestException e) {
            HttpJson.send(exchange, 400, HttpJson.error("invalid_request", e.getMessage()));
        } catch (IOException e) {
            exchange.close();
        }
        return null;
    }

    private static String text(HttpExchange exchange, JsonNode body, String field) {
        try {
            return HttpJson.requiredString(body, field);
        } catch (HttpJson.BadRequestException e) {
            HttpJson.send(exchange, 400, HttpJson.error("invalid_request", e.getMessage()));
            return null;
        }
    }
}
