package dev.portcullis.protocol;

import java.util.Objects;

/** A message a client sends, decoded from one text frame by {@link MessageCodec}. */
public sealed interface ClientMessage permits ClientMessage.Auth, ClientMessage.Join, ClientMessage.Leave,
        ClientMessage.Publish, ClientMessage.Refresh, ClientMessage.Unknown {

    /**
     * {@code {"type":"auth","token":"<jwt>"}} or {@code {"type":"auth","ticket":".."}}: the first message of
     * every connection (protocol.md §4.1). Exactly one of the two is set; {@code encryption} is null or the
     * scheme asked for ({@code "fernet"}, protocol.md §14).
     */
    record Auth(String token, String ticket, String encryption) implements ClientMessage {
        public Auth {
            if ((token == null) == (ticket == null)) {
                throw new IllegalArgumentException("exactly one of token and ticket");
            }
        }

        /** An auth message that asks for no encryption. */
        public Auth(String token, String ticket) {
            this(token, ticket, null);
        }

        @Override
        public String toString() {
            return "Auth[" + (token != null ? "token" : "ticket") + "=<redacted>]";
        }
    }

    /** {@code {"type":"refresh","token":"<new jwt>"}}: extends the session (protocol.md §13.2). */
    record Refresh(String token) implements ClientMessage {
        public Refresh {
            Objects.requireNonNull(token, "token");
        }

        @Override
        public String toString() {
            return "Refresh[token=<redacted>]";
        }
    }

    /** {@code {"type":"join","room":"R"}} (protocol.md §4.4). The room name is not validated yet. */
    record Join(String room) implements ClientMessage {
    }

    /** {@code {"type":"leave","room":"R"}} (protocol.md §4.6). */
    record Leave(String room) implements ClientMessage {
    }

    /**
     * {@code {"type":"message","room":"R","payload":..,"id":..}} (protocol.md §4.7). The payload stays
     * serialized JSON: the server relays it and never looks inside.
     *
     * @param id the client's own id for the message, or null
     */
    record Publish(String room, String payloadJson, String id) implements ClientMessage {
    }

    /** Well-formed JSON with a {@code type} this server does not know. */
    record Unknown(String type) implements ClientMessage {
    }
}
