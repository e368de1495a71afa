package dev.portcullis.protocol;

import java.util.Objects;

/** A message a client sends, decoded from one text frame by {@link MessageCodec}. */
public sealed interface ClientMessage permits ClientMessage.Auth, ClientMessage.Unknown {

    /** {@code {"type":"auth","token":"<jwt>"}}: the first message of every connection (protocol.md §4.1). */
    record Auth(String token) implements ClientMessage {
        public Auth {
            Objects.requireNonNull(token, "token");
        }

        @Override
        public String toString() {
            return "Auth[token=<redacted>]";
        }
    }

    /** Well-formed JSON with a {@code type} this server does not know. */
    record Unknown(String type) implements ClientMessage {
    }
}
