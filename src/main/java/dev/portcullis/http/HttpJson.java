package dev.portcullis.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.portcullis.cluster.BrokerUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;

/** JSON request and response bodies of the HTTP API, with the body size limit applied while reading. */
final class HttpJson {
    /** Login bodies are tiny; anything bigger is an attack or a mistake (protocol.md §7). */
    static final int MAX_BODY_BYTES = 16 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The request body was larger than {@link #MAX_BODY_BYTES}. */
    static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException() {
            super("request body over " + MAX_BODY_BYTES + " bytes", null);
        }
    }

    /** The request body was not the JSON object we need; the message is safe to send back. */
    static final class BadRequestException extends IOException {
        private static final long serialVersionUID = 1L;

        BadRequestException(String message) {
            super(message, null);
        }
    }

    private HttpJson() {
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static ObjectNode error(String code, String message) {
        ObjectNode n = object().put("error", code);
        if (message != null) {
            n.put("message", message);
        }
        return n;
    }

    /** Reads the body as a JSON object, refusing more than {@link #MAX_BODY_BYTES} without reading them all. */
    static JsonNode readObject(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > MAX_BODY_BYTES) {
                    throw new TooLargeException();
                }
            } catch (NumberFormatException e) {
                throw new BadRequestException("Content-Length is not a number");
            }
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new TooLargeException();
        }
        JsonNode node;
        try {
            node = JSON.readTree(new String(body, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new BadRequestException("body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new BadRequestException("body must be a JSON object");
        }
        return node;
    }

    /** Like {@link #readObject}, but an empty body is an empty object. */
    static JsonNode readObjectOrEmpty(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new TooLargeException();
        }
        if (new String(body, StandardCharsets.UTF_8).isBlank()) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new BadRequestException("body must be a JSON object");
        }
        return node;
    }

    /** A field that must be a non-empty string. */
    static String requiredString(JsonNode body, String field) throws BadRequestException {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
            throw new BadRequestException("'" + field + "' must be a non-empty string");
        }
        return v.textValue();
    }

    /** Sends {@code body} with {@code status} and closes the exchange; never throws. */
    static void send(HttpExchange exchange, int status, ObjectNode body) {
        HttpText.send(exchange, status, "application/json; charset=utf-8", body.toString() + "\n");
    }

    /**
     * 503 {@code broker_unavailable} with {@code Retry-After: 1} when {@code failure} is the cluster being
     * unreachable; true if it was (and the answer is sent).
     */
    static boolean brokerUnavailable(HttpExchange exchange, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (!(cause instanceof BrokerUnavailableException)) {
            return false;
        }
        exchange.getResponseHeaders().set("Retry-After", "1");
        send(exchange, 503, error("broker_unavailable", "the cluster's shared state cannot be reached; try again later"));
        return true;
    }
}
