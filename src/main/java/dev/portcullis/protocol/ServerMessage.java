package dev.portcullis.protocol;

import java.util.List;

/** A message the server sends, encoded to one text frame by {@link MessageCodec}. */
public sealed interface ServerMessage permits ServerMessage.AuthOk, ServerMessage.Error {

    /** The gate is open: who the connection now speaks for, and until when (protocol.md §4.2). */
    record AuthOk(String user, List<String> roles, long expiresAt) implements ServerMessage {
        public AuthOk {
            roles = List.copyOf(roles);
        }
    }

    /** A request was refused; the connection stays open (protocol.md §4.3). */
    record Error(ErrorCode code, String message) implements ServerMessage {
    }
}
