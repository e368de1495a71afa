package dev.portcullis.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The wire format: the only class that knows client and server messages are JSON objects with a
 * {@code type}. Unknown fields are ignored so that clients and servers can evolve apart. Thread-safe.
 */
public final class MessageCodec {
    /** Deep enough for any real payload, shallow enough that a hostile one cannot exhaust the stack. */
    static final int MAX_NESTING_DEPTH = 32;
    /** A longer number literal is an attack on BigDecimal parsing, not data. */
    static final int MAX_NUMBER_LENGTH = 64;

    private final ObjectMapper json;

    public MessageCodec() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .build())
                .build();
        this.json = new ObjectMapper(factory);
    }

    public ClientMessage decode(String text) throws MalformedMessageException {
        JsonNode root;
        try {
            root = json.readTree(text);
        } catch (StreamConstraintsException e) {
            throw new MalformedMessageException("message exceeds a parser limit (nesting depth or number length)");
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException("message is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedMessageException("message must be a JSON object");
        }
        JsonNode type = root.get("type");
        if (type == null || !type.isTextual()) {
            throw new MalformedMessageException("message needs a string field 'type'");
        }
        return switch (type.textValue()) {
            case "auth" -> new ClientMessage.Auth(requiredString(root, "token"));
            default -> new ClientMessage.Unknown(type.textValue());
        };
    }

    public String encode(ServerMessage message) {
        ObjectNode out = json.createObjectNode();
        if (message instanceof ServerMessage.AuthOk ok) {
            out.put("type", "auth_ok");
            out.put("user", ok.user());
            ok.roles().forEach(out.putArray("roles")::add);
            out.put("expires_at", ok.expiresAt());
        } else if (message instanceof ServerMessage.Error error) {
            out.put("type", "error");
            out.put("code", error.code().wire());
            out.put("message", error.message());
        } else {
            throw new IllegalArgumentException("no encoding for " + message.getClass());
        }
        return out.toString();
    }

    private static String requiredString(JsonNode root, String field) throws MalformedMessageException {
        JsonNode value = root.get(field);
        if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
            throw new MalformedMessageException("'" + root.get("type").textValue() + "' needs a non-empty string field '" + field + "'");
        }
        return value.textValue();
    }
}
