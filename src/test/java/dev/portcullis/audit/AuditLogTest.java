package dev.portcullis.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log's writer thread: what flush promises a reader of the file. */
class AuditLogTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("flush returns once every event recorded before it is in the file")
    void flushWaitsForTheWriter() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog audit = AuditLog.open(file, Clock.systemUTC())) {
            for (int i = 0; i < 20_000; i++) {
                audit.wsConnect("c" + i, "127.0.0.1");
            }
            audit.flush();
            assertEquals(20_000, Files.readAllLines(file).size());
        }
    }

    @Test
    @DisplayName("flush after close returns: close has written everything")
    void flushAfterClose() throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog audit = AuditLog.open(file, Clock.systemUTC());
        audit.ipBanned("127.0.0.3", Clock.systemUTC().instant());
        audit.close();
        audit.flush();
        assertEquals(1, Files.readAllLines(file).size());
    }
}
