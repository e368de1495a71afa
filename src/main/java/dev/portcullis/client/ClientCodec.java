package dev.portcullis.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.protocol.MessageType;
import dev.portcullis.protocol.ProtocolJson;
import dev.portcullis.protocol.RoomName;
import dev.portcullis.protocol.ServerMessage;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The client's side of the wire format (protocol.md §4): what it sends, and what it reads back. Thread-safe. */
final class ClientCodec {
    /** A message from the server; unknown types are kept only so they can be ignored. */
    sealed interface Inbound {
    }

    record AuthOk(String user, List<String> roles, long expiresAt) implements Inbound {
    }

    record Error(String code, String message, String room, String id, Long retryAfterMs) implements Inbound {
    }

    record Joined(String room, List<String> members) implements Inbound {
    }

    record Left(String room) implements Inbound {
    }

    record Relayed(RoomMessage message) implements Inbound {
    }

    record Presence(String room, String user, ClientListener.PresenceEvent event) implements Inbound {
    }

    record Refreshed(long expiresAt) implements Inbound {
    }

    record Expiring(long expiresAt) implements Inbound {
    }

    record Unknown(String type) implements Inbound {
    }

    /**
     * The server's own settings: a payload past its parser limits (protocol.md §10) would be refused anyway,
     * and payload numbers keep their digits both ways, as the server relays them (protocol.md §4.7).
     */
    private final ObjectMapper json = ProtocolJson.mapper();

    /** Checked here (protocol.md §4.4) so that a bad name is a local error, not a refusal from the server. */
    static void checkRoom(String room) {
        if (!RoomName.isValid(room)) {
            throw new IllegalArgumentException(RoomName.RULE);
        }
    }

    /** Throws IllegalArgumentException unless {@code payloadJson} is exactly one JSON value the server accepts. */
    void checkPayload(String payloadJson) {
        JsonNode value;
        try {
            value = payloadJson == null ? null : json.readTree(payloadJson);
        } catch (JsonProcessingException | NumberFormatException e) {
            throw new IllegalArgumentException("payloadJson is not one JSON value within the server's limits", e);
        }
        if (value == null || value.isMissingNode()) {
            throw new IllegalArgumentException("payloadJson must be one JSON value (\"null\" for null)");
        }
    }

    String auth(String token) {
        return write(g -> g.writeStringField("type", MessageType.AUTH), "token", token);
    }

    String refresh(String token) {
        return write(g -> g.writeStringField("type", MessageType.REFRESH), "token", token);
    }

    String join(String room) {
        return write(g -> g.writeStringField("type", MessageType.JOIN), "room", room);
    }

    String leave(String room) {
        return write(g -> g.writeStringField("type", MessageType.LEAVE), "room", room);
    }

    /** {@code payloadJson} is written as given (checked by {@link #checkPayload}), so its numbers keep their digits. */
    String message(String room, String payloadJson, String id) {
        return write(g -> {
            g.writeStringField("type", MessageType.MESSAGE);
            g.writeStringField("room", room);
            g.writeFieldName("payload");
            g.writeRawValue(payloadJson.strip());
        }, "id", id);
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private String write(Fields fields, String lastName, String lastValue) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = json.getFactory().createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeStringField(lastName, lastValue);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** Reads one server message; throws IllegalArgumentException if it is not what protocol.md §4 describes. */
    Inbound decode(String text) {
        JsonNode m;
        try {
            m = json.readTree(text);
        } catch (JsonProcessingException | NumberFormatException e) {
            throw new IllegalArgumentException("server sent invalid JSON", e);
        }
        if (m == null || !m.isObject()) {
            throw new IllegalArgumentException("server sent something other than a JSON object");
        }
        String type = m.path("type").asText("");
        return switch (type) {
            case MessageType.AUTH_OK -> new AuthOk(text(m, "user"), strings(m, "roles"), number(m, "expires_at"));
            case MessageType.ERROR -> new Error(text(m, "code"), m.path("message").asText(""), optional(m, "room"),
                    optional(m, "id"), m.hasNonNull("retry_after_ms") ? number(m, "retry_after_ms") : null);
            case MessageType.JOINED -> new Joined(text(m, "room"), strings(m, "members"));
            case MessageType.LEFT -> new Left(text(m, "room"));
            case MessageType.MESSAGE -> new Relayed(new RoomMessage(text(m, "room"), text(m, "from"), payload(m),
                    optional(m, "id"), number(m, "seq"), number(m, "ts")));
            case MessageType.PRESENCE -> new Presence(text(m, "room"), text(m, "user"), presence(text(m, "event")));
            case MessageType.REFRESHED -> new Refreshed(number(m, "expires_at"));
            case MessageType.EXPIRING -> new Expiring(number(m, "expires_at"));
            default -> new Unknown(type);
        };
    }

    /** protocol.md §4.8 has two events: anything but {@code leave} is read as a join. */
    private static ClientListener.PresenceEvent presence(String event) {
        return ServerMessage.PresenceEvent.LEAVE.wire().equals(event)
                ? ClientListener.PresenceEvent.LEAVE : ClientListener.PresenceEvent.JOIN;
    }

    private static String payload(JsonNode m) {
        JsonNode p = m.get("payload");
        if (p == null) {
            throw new IllegalArgumentException("message without payload");
        }
        return p.toString();
    }

    private static String text(JsonNode m, String field) {
        JsonNode v = m.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("'" + m.path("type").asText() + "' without a string '" + field + "'");
        }
        return v.textValue();
    }

    private static String optional(JsonNode m, String field) {
        JsonNode v = m.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    private static long number(JsonNode m, String field) {
        JsonNode v = m.get(field);
        if (v == null || !v.canConvertToLong()) {
            throw new IllegalArgumentException("'" + m.path("type").asText() + "' without an integer '" + field + "'");
        }
        return v.longValue();
    }

    private static List<String> strings(JsonNode m, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : m.path(field)) {
            out.add(v.asText());
        }
        return List.copyOf(out);
    }
}
