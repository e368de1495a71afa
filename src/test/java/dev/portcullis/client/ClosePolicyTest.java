package dev.portcullis.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.protocol.CloseReason;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The "Reconnect?" column of protocol.md §6, as the client reads it. */
class ClosePolicyTest {
    @Test
    @DisplayName("§6: every close reason the server sends has the policy its table gives")
    void everyServerReason() {
        Map<CloseReason, ClosePolicy> expected = new EnumMap<>(CloseReason.class);
        expected.put(CloseReason.AUTH_TIMEOUT, ClosePolicy.BACKOFF);
        expected.put(CloseReason.SERVER_BUSY, ClosePolicy.BACKOFF);
        expected.put(CloseReason.EXPECTED_AUTH, ClosePolicy.NEVER);
        expected.put(CloseReason.INVALID_TOKEN, ClosePolicy.RELOGIN);
        expected.put(CloseReason.TOKEN_EXPIRED, ClosePolicy.RELOGIN);
        expected.put(CloseReason.ENCRYPTION_UNAVAILABLE, ClosePolicy.NEVER);
        expected.put(CloseReason.INVALID_TICKET, ClosePolicy.RELOGIN);
        expected.put(CloseReason.TOKEN_REVOKED, ClosePolicy.NEVER);
        expected.put(CloseReason.USER_DISABLED, ClosePolicy.NEVER);
        expected.put(CloseReason.BLOCKED_FOR_ABUSE, ClosePolicy.NEVER);
        expected.put(CloseReason.USER_BLOCKED, ClosePolicy.NEVER);
        expected.put(CloseReason.SLOW_CONSUMER, ClosePolicy.BACKOFF);
        expected.put(CloseReason.CONTROL_FLOOD, ClosePolicy.NEVER);
        expected.put(CloseReason.OVERLOADED, ClosePolicy.BACKOFF);
        expected.put(CloseReason.SERVER_SHUTDOWN, ClosePolicy.AT_ONCE);
        expected.put(CloseReason.INTERNAL_ERROR, ClosePolicy.BACKOFF);
        expected.put(CloseReason.TRY_AGAIN_LATER, ClosePolicy.BACKOFF);
        for (CloseReason r : CloseReason.values()) {
            assertEquals(expected.get(r), ClosePolicy.of(r.code(), r.reason()), r.name() + " (a new reason needs a decision here)");
        }
    }

    @ParameterizedTest(name = "{0} ''{1}'' -> {2}")
    @CsvSource({
            "1006, '', BACKOFF",                         // lost without a close frame, or never opened
            "1000, bye, NEVER",                          // the echo of our own close
            "1002, Unmasked client frame, NEVER",        // library texts: a client or library bug
            "1007, '', NEVER",
            "1009, Message too big, NEVER",
            "1001, anything, AT_ONCE",
            "1014, Bad gateway, BACKOFF",                // a code not listed: like 1006
            "1008, Something new, NEVER",                // a 1008 reason not listed: stop and report
            "1008, token expired, NEVER",                // reasons are compared byte for byte
    })
    @DisplayName("§6: library codes, unknown codes and unknown 1008 reasons")
    void otherCloses(int code, String reason, ClosePolicy policy) {
        assertEquals(policy, ClosePolicy.of(code, reason));
    }
}
