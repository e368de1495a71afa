package dev.portcullis.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

/**
 * The wire format: the only class that knows client and server messages are JSON objects with a
 * {@code type}. Unknown fields are ignored so that clients and servers can evolve apart. Thread-safe.
 */
public final class MessageCodec {
    /** Client ids are for correlation, not storage (protocol.md §4.7); a longer one is a malformed message. */
    public static final int MAX_CLIENT_ID_CHARS = 128;

    private final ObjectMapper json = ProtocolJson.mapper();

    public ClientMessage decode(String text) throws MalformedMessageException {
        JsonNode root;
        try {
            root = json.readTree(text);
        } catch (StreamConstraintsException | NumberFormatException e) {
            // A huge exponent (1e9999999999) is short but no BigDecimal can hold it.
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
            case MessageType.AUTH -> auth(root);
            case MessageType.REFRESH -> new ClientMessage.Refresh(requiredString(root, "token"));
            case MessageType.JOIN -> new ClientMessage.Join(requiredText(root, "room"));
            case MessageType.LEAVE -> new ClientMessage.Leave(requiredText(root, "room"));
            case MessageType.MESSAGE -> publish(root);
            default -> new ClientMessage.Unknown(type.textValue());
        };
    }

    private static ClientMessage.Auth auth(JsonNode root) throws MalformedMessageException {
        boolean hasTicket = root.has("ticket");
        if (hasTicket && root.has("token")) {
            throw new MalformedMessageException("'auth' takes a token or a ticket, not both");
        }
        JsonNode encryption = root.get("encryption");
        if (encryption != null && !encryption.isNull() && !encryption.isTextual()) {
            throw new MalformedMessageException("'encryption' must be a string");
        }
        String scheme = encryption == null || encryption.isNull() ? null : encryption.textValue();
        return hasTicket ? new ClientMessage.Auth(null, requiredString(root, "ticket"), scheme)
                : new ClientMessage.Auth(requiredString(root, "token"), null, scheme);
    }

    private ClientMessage.Publish publish(JsonNode root) throws MalformedMessageException {
        String room = requiredText(root, "room");
        JsonNode payload = root.get("payload");
        if (payload == null) {
            throw new MalformedMessageException("'message' needs a field 'payload' (any JSON value)");
        }
        JsonNode id = root.get("id");
        if (id != null && !id.isNull() && (!id.isTextual() || id.textValue().length() > MAX_CLIENT_ID_CHARS)) {
            throw new MalformedMessageException("'id' must be a string of at most " + MAX_CLIENT_ID_CHARS + " characters");
        }
        return new ClientMessage.Publish(room, payload.toString(), id == null || id.isNull() ? null : id.textValue());
    }

    /** Encodes {@code message} once for any number of recipients. */
    public OutboundText outbound(ServerMessage message) {
        return new OutboundText(encode(message));
    }

    public String encode(ServerMessage message) {
        ObjectNode out = json.createObjectNode();
        if (message instanceof ServerMessage.AuthOk ok) {
            out.put("type", MessageType.AUTH_OK);
            out.put("user", ok.user());
            ok.roles().forEach(out.putArray("roles")::add);
            out.put("expires_at", ok.expiresAt());
            if (ok.encryption() != null) {
                out.put("encryption", ok.encryption());
            }
        } else if (message instanceof ServerMessage.Error error) {
            out.put("type", MessageType.ERROR);
            out.put("code", error.code().wire());
            if (error.room() != null) {
                out.put("room", error.room());
            }
            if (error.id() != null) {
                out.put("id", error.id());
            }
            if (error.retryAfterMs() != null) {
                out.put("retry_after_ms", error.retryAfterMs());
            }
            out.put("message", error.message());
        } else if (message instanceof ServerMessage.Joined joined) {
            out.put("type", MessageType.JOINED);
            out.put("room", joined.room());
            joined.members().forEach(out.putArray("members")::add);
        } else if (message instanceof ServerMessage.Left left) {
            out.put("type", MessageType.LEFT);
            out.put("room", left.room());
        } else if (message instanceof ServerMessage.RoomMessage m) {
            out.put("type", MessageType.MESSAGE);
            out.put("room", m.room());
            out.put("from", m.from());
            out.putRawValue("payload", new RawValue(m.payloadJson()));
            if (m.id() != null) {
                out.put("id", m.id());
            }
            out.put("seq", m.seq());
            out.put("ts", m.ts());
        } else if (message instanceof ServerMessage.Refreshed r) {
            out.put("type", MessageType.REFRESHED);
            out.put("expires_at", r.expiresAt());
        } else if (message instanceof ServerMessage.Expiring e) {
            out.put("type", MessageType.EXPIRING);
            out.put("expires_at", e.expiresAt());
        } else if (message instanceof ServerMessage.Presence p) {
            out.put("type", MessageType.PRESENCE);
            out.put("room", p.room());
            out.put("user", p.user());
            out.put("event", p.event().wire());
        } else {
            throw new IllegalArgumentException("no encoding for " + message.getClass());
        }
        return out.toString();
    }

    /** A string field that must be present; its content is the caller's to validate. */
    private static String requiredText(JsonNode root, String field) throws MalformedMessageException {
        JsonNode value = root.get(field);
        if (value == null || !value.isTextual()) {
            throw new MalformedMessageException("'" + root.get("type").textValue() + "' needs a string field '" + field + "'");
        }
        return value.textValue();
    }

    private static String requiredString(JsonNode root, String field) throws MalformedMessageException {
        JsonNode value = root.get(field);
        if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
            throw new MalformedMessageException("'" + root.get("type").textValue() + "' needs a non-empty string field '" + field + "'");
        }
        return value.textValue();
    }
}
