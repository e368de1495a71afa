package dev.portcullis.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.session.ConnectionState.Answer;
import dev.portcullis.session.ConnectionState.Event;
import dev.portcullis.session.ConnectionState.Inbound;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * protocol.md §2 against {@link ConnectionState}: the spec's two tables are the Java tables, so neither
 * can change without the other.
 */
class StateTablesSpecTest {
    /** The acceptance table's columns, in the spec's order and words. */
    private static final List<Inbound> COLUMNS = List.of(Inbound.AUTH, Inbound.REQUEST, Inbound.UNKNOWN_TYPE,
            Inbound.MALFORMED, Inbound.BINARY, Inbound.UNDECRYPTABLE, Inbound.INBOX_FULL);
    private static final String HEADER = "| State | `auth` | request | other `type` | malformed text | binary"
            + " | undecryptable (§14) | inbox full (§15) |";

    @Test
    @DisplayName("§2: the transition table in protocol.md has exactly the moves of ConnectionState")
    void transitionsMatch() throws IOException {
        Set<String> spec = new TreeSet<>();
        for (String row : tableAfter("| From | Event | To | On the wire |")) {
            String[] cells = cells(row);
            String event = cells[1].contains(":") ? cells[1].substring(0, cells[1].indexOf(':')) : cells[1];
            spec.add(cells[0] + " --" + event + "--> " + cells[2]);
        }
        Set<String> code = new TreeSet<>();
        for (ConnectionState from : ConnectionState.values()) {
            for (Event event : Event.values()) {
                if (from.allows(event)) {
                    code.add(from + " --" + event + "--> " + from.on(event));
                }
            }
        }
        assertEquals(String.join("\n", code), String.join("\n", spec));
    }

    @Test
    @DisplayName("§2: the table of what each state accepts in protocol.md is ConnectionState's, cell by cell")
    void acceptanceMatches() throws IOException {
        List<String> expected = new ArrayList<>();
        for (ConnectionState state : ConnectionState.values()) {
            StringBuilder row = new StringBuilder("| " + state + " |");
            for (Inbound kind : COLUMNS) {
                row.append(' ').append(cell(kind, state.answer(kind))).append(" |");
            }
            expected.add(row.toString());
        }
        assertEquals(String.join("\n", expected), String.join("\n", tableAfter(HEADER)),
                "protocol.md §2 must show ConnectionState's answers, in these words");
    }

    @Test
    @DisplayName("§2: every state answers every kind of inbound frame")
    void everyCellFilled() {
        assertEquals(Set.of(Inbound.values()), Set.copyOf(COLUMNS), "a kind the spec's table has no column for");
        for (ConnectionState state : ConnectionState.values()) {
            for (Inbound kind : Inbound.values()) {
                Answer answer = state.answer(kind);
                switch (answer.action()) {
                    case REFUSE -> assertTrue(answer.error() != null, state + " " + kind);
                    case CLOSE -> assertTrue(answer.close() != null && state.allows(answer.event()), state + " " + kind);
                    default -> { }
                }
            }
        }
    }

    /** The spec's words for one answer. */
    private static String cell(Inbound kind, Answer answer) {
        return switch (answer.action()) {
            case HANDLE -> kind == Inbound.AUTH ? "checked, then `auth_ok` (AUTH_SUCCEEDED)" : "handled";
            case REFUSE -> "`error` `" + answer.error().wire() + "`" + (answer.counted() ? "" : ", not counted against the rate");
            case CLOSE -> "close " + answer.close().code() + " `" + answer.close().reason() + "` (" + answer.event() + ")";
            case IGNORE -> "ignored";
        };
    }

    /** The body rows of the table whose header line is {@code header}, in §2. */
    private static List<String> tableAfter(String header) throws IOException {
        String spec = Files.readString(Path.of("protocol.md"));
        String section = spec.substring(spec.indexOf("## 2. Connection states"), spec.indexOf("## 3. "));
        List<String> lines = section.lines().toList();
        int at = lines.indexOf(header);
        assertTrue(at >= 0, "no table headed " + header + " in protocol.md §2");
        List<String> rows = new ArrayList<>();
        for (int i = at + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            rows.add(lines.get(i));
        }
        return rows;
    }

    private static String[] cells(String row) {
        String[] raw = row.substring(1, row.length() - 1).split("\\|");
        String[] cells = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            cells[i] = raw[i].trim();
        }
        return cells;
    }
}
