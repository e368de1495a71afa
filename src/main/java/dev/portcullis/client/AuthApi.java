package dev.portcullis.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The HTTP calls that give a token: {@code POST /auth/login} and {@code POST /auth/refresh}
 * (protocol.md §7.1, §7.5), asynchronous on the JDK's {@link HttpClient}. Thread-safe.
 */
final class AuthApi {
    private final HttpClient http;
    /** The base URI as text without a trailing slash, so a path prefix of a reverse proxy is kept. */
    private final String base;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper();

    AuthApi(HttpClient http, URI base, Duration timeout) {
        this.http = http;
        this.base = base.toString().replaceAll("/+$", "");
        this.timeout = timeout;
    }

    /** A fresh access token for a username and password; fails with {@link LoginFailedException}. */
    CompletableFuture<String> login(String username, String password) {
        String body = json.createObjectNode().put("username", username).put("password", password).toString();
        return post("/auth/login", HttpRequest.newBuilder()
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A fresh access token for a still-valid one; fails with {@link LoginFailedException} (401: log in again). */
    CompletableFuture<String> refresh(String token) {
        return post("/auth/refresh", HttpRequest.newBuilder()
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    private CompletableFuture<String> post(String path, HttpRequest.Builder request) {
        HttpRequest r = request.uri(URI.create(base + path)).timeout(timeout).build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                throw new CompletionException(new LoginFailedException("POST " + path, cause));
            }
            return token(path, response);
        });
    }

    private String token(String path, HttpResponse<String> response) {
        JsonNode body;
        try {
            body = json.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() == 200 && body != null && body.path("access_token").isTextual()) {
            return body.get("access_token").textValue();
        }
        Duration retryAfter = response.headers().firstValue("Retry-After").map(AuthApi::seconds).orElse(null);
        String error = body == null ? "" : body.path("error").asText("");
        throw new CompletionException(new LoginFailedException("POST " + path, response.statusCode(), error, retryAfter));
    }

    /**
     * The {@code exp} of a JWT, read without verifying it (a client cannot: it lacks the secret, protocol.md
     * §3); empty if the token is not a JWT with a numeric {@code exp}.
     */
    static Optional<Instant> expiry(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode exp = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(parts[1])).path("exp");
            return exp.canConvertToLong() ? Optional.of(Instant.ofEpochSecond(exp.longValue())) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static Duration seconds(String header) {
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.strip())));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
