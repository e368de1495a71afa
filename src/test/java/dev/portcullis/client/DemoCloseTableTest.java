package dev.portcullis.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.protocol.CloseReason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The browser demo's close table ({@code CLOSES} in {@code web/closes.js}) against the server's closes
 * ({@link CloseReason}) and the Java client's decisions ({@link ClosePolicy}). The page keys an entry by
 * {@code "code reason"}, or by the code alone when every close with that code means the same; it looks up
 * the first, then the second. The file is read as text: only its keys and policy words are compared.
 */
class DemoCloseTableTest {
    /** Server closes the page reads by their code alone: 1001 has one meaning, and 1011's default is this one. */
    private static final Set<CloseReason> BY_CODE = Set.of(CloseReason.SERVER_SHUTDOWN, CloseReason.INTERNAL_ERROR);
    /**
     * Closes that are not the server's own (protocol.md §6): the echo of the page's own close (1000), the
     * library's (1002, 1007, 1009), and the local report of a connection lost or never opened (1006).
     */
    private static final Set<Integer> LIBRARY_CLOSES = Set.of(1000, 1002, 1006, 1007, 1009);
    /**
     * The page's policy words, as the Java client decides. The page asks for a new ticket where the client,
     * which authenticates with tokens, logs in again; a revoked token is a logout to the page and a stop to
     * the client; after its own close (none) neither reconnects.
     */
    private static final Map<String, ClosePolicy> POLICY_WORDS = Map.of(
            "now", ClosePolicy.AT_ONCE,
            "backoff", ClosePolicy.BACKOFF,
            "relogin", ClosePolicy.RELOGIN,
            "ticket", ClosePolicy.RELOGIN,
            "logout", ClosePolicy.NEVER,
            "never", ClosePolicy.NEVER,
            "none", ClosePolicy.NEVER);
    /** One entry of the table: its key, and the first string of its value, the policy word. */
    private static final Pattern ENTRY = Pattern.compile("^ {2}\"(\\d{4})(?: ([^\"]+))?\": \\[\"([a-z]+)\"", Pattern.MULTILINE);

    private record Entry(int code, Optional<String> reason, String policy) {
        String key() {
            return code + reason.map(r -> " " + r).orElse("");
        }
    }

    /** The entries of {@code CLOSES}, by key, in the file's order. */
    private static Map<String, Entry> table() throws IOException {
        String js;
        try (InputStream in = DemoCloseTableTest.class.getResourceAsStream("/web/closes.js")) {
            assertNotNull(in, "web/closes.js is not on the class path");
            js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int start = js.indexOf("const CLOSES = {");
        int end = js.indexOf("\n};", start);
        assertTrue(start >= 0 && end > start, "closes.js has no CLOSES table");
        String body = js.substring(start, end);
        Map<String, Entry> entries = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(body);
        while (m.find()) {
            Entry e = new Entry(Integer.parseInt(m.group(1)), Optional.ofNullable(m.group(2)), m.group(3));
            assertEquals(null, entries.put(e.key(), e), "key twice: " + e.key());
        }
        // Every line that opens an entry was read: a key in another shape would otherwise be skipped unseen.
        long keys = body.lines().filter(line -> line.startsWith("  \"")).count();
        assertEquals(keys, entries.size(), "entries of CLOSES not in the form \"code[ reason]\": [\"policy\", ...]");
        return entries;
    }

    /** The entry the page's adviceFor finds for a server close. */
    private static Optional<Entry> entryFor(Map<String, Entry> table, CloseReason r) {
        return Optional.ofNullable(table.get(r.code() + " " + r.reason()))
                .or(() -> BY_CODE.contains(r) ? Optional.ofNullable(table.get(Integer.toString(r.code()))) : Optional.empty());
    }

    @Test
    @DisplayName("protocol.md §6: the demo's close table has every close the server sends, and no reason the server does not send")
    void sameCloses() throws IOException {
        Map<String, Entry> table = table();
        assertFalse(table.isEmpty());
        for (CloseReason r : CloseReason.values()) {
            assertTrue(entryFor(table, r).isPresent(), "closes.js has no entry for " + r.code() + " " + r.reason() + " (" + r + ")");
        }
        for (Entry e : table.values()) {
            if (e.reason().isPresent()) {
                assertTrue(Stream.of(CloseReason.values()).anyMatch(r -> r.code() == e.code() && r.reason().equals(e.reason().get())),
                        "closes.js names a close the server does not send: " + e.key());
            } else {
                boolean serverCode = BY_CODE.stream().anyMatch(r -> r.code() == e.code());
                assertTrue(serverCode || LIBRARY_CLOSES.contains(e.code()),
                        "closes.js has a code that is neither the server's nor a library close: " + e.key());
            }
        }
    }

    @Test
    @DisplayName("protocol.md §6: the demo's policy for each close is the one the Java client follows")
    void samePolicies() throws IOException {
        Map<String, Entry> table = table();
        for (Entry e : table.values()) {
            ClosePolicy page = POLICY_WORDS.get(e.policy());
            assertNotNull(page, "closes.js has a policy word this test does not know: " + e.policy() + " (" + e.key() + ")");
            assertEquals(ClosePolicy.of(e.code(), e.reason().orElse("")), page, e.key() + ": " + e.policy());
        }
        for (CloseReason r : CloseReason.values()) {
            Entry e = entryFor(table, r).orElseThrow(() -> new AssertionError("closes.js has no entry for " + r));
            assertEquals(ClosePolicy.of(r), POLICY_WORDS.get(e.policy()), r + " (read by the page as " + e.key() + ")");
        }
    }
}
