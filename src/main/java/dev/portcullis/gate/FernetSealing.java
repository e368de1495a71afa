package dev.portcullis.gate;

import dev.portcullis.crypto.Fernet;
import dev.portcullis.crypto.FernetException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Payload encryption of a connection (protocol.md §14), both ways in one place: what the server sends is
 * sealed as a Fernet token, and what the client sends is opened from one, no older than the token TTL.
 */
final class FernetSealing {
    private final Fernet fernet;
    private final Duration ttl;

    FernetSealing(Fernet fernet, Duration ttl) {
        this.fernet = fernet;
        this.ttl = ttl;
    }

    /** One outbound text as a Fernet token. */
    String seal(String text) {
        return fernet.encrypt(text.getBytes(StandardCharsets.UTF_8));
    }

    /** One inbound Fernet token as text; throws when it is not one of this server's keys, or too old. */
    String open(String token) throws FernetException {
        return new String(fernet.decrypt(token, ttl), StandardCharsets.UTF_8);
    }
}
