package dev.portcullis.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests how JwtSecret turns secret text into key bytes and how it generates and re-reads its file. */
@DisplayName("JwtSecret")
class JwtSecretTest {

    /** 40 ASCII characters, comfortably over the 32-byte minimum. */
    private static final String TEXT = "0123456789abcdefghijklmnopqrstuvwxyzABCD";

    @TempDir
    Path dir;

    /** A SecureRandom that returns a known byte pattern, so the generated file content is predictable. */
    private static final class FixedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte fill;

        FixedRandom(byte fill) {
            this.fill = fill;
        }

        @Override
        public void nextBytes(byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (fill + i);
            }
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("The key is the UTF-8 bytes of the text")
    void keyIsUtf8OfText() {
        assertArrayEquals(utf8(TEXT), JwtSecret.fromText(TEXT).bytes());
    }

    @Test
    @DisplayName("One trailing LF or CRLF is stripped from the text")
    void stripsOneTrailingNewline() {
        assertArrayEquals(utf8(TEXT), JwtSecret.fromText(TEXT + "\n").bytes());
        assertArrayEquals(utf8(TEXT), JwtSecret.fromText(TEXT + "\r\n").bytes());
    }

    @Test
    @DisplayName("Only one trailing newline is stripped, and a lone CR or other whitespace is kept")
    void stripsExactlyOneNewline() {
        assertArrayEquals(utf8(TEXT + "\n"), JwtSecret.fromText(TEXT + "\n\n").bytes());
        assertArrayEquals(utf8(TEXT + "\r\n"), JwtSecret.fromText(TEXT + "\r\n\r\n").bytes());
        assertArrayEquals(utf8(TEXT + "\r"), JwtSecret.fromText(TEXT + "\r").bytes());
        assertArrayEquals(utf8(TEXT + " "), JwtSecret.fromText(TEXT + " ").bytes());
        assertArrayEquals(utf8(" " + TEXT), JwtSecret.fromText(" " + TEXT).bytes());
    }

    @Test
    @DisplayName("A secret shorter than 32 bytes is rejected, and exactly 32 bytes is accepted")
    void enforcesMinimumLength() {
        String thirtyOne = TEXT.substring(0, 31);
        String thirtyTwo = TEXT.substring(0, 32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JwtSecret.fromText(thirtyOne));
        assertTrue(e.getMessage().contains("31 bytes"), e.getMessage());
        assertFalse(e.getMessage().contains(thirtyOne), "the message must not reveal the secret");
        assertThrows(IllegalArgumentException.class, () -> JwtSecret.fromText(thirtyOne + "\n"));
        assertThrows(IllegalArgumentException.class, () -> JwtSecret.fromText(""));
        assertEquals(32, JwtSecret.fromText(thirtyTwo).bytes().length);
    }

    @Test
    @DisplayName("The minimum counts UTF-8 bytes, not characters")
    void minimumCountsBytes() {
        String sixteenTwoByteChars = "é".repeat(16);
        assertEquals(32, JwtSecret.fromText(sixteenTwoByteChars).bytes().length);
        assertThrows(IllegalArgumentException.class, () -> JwtSecret.fromText("é".repeat(15) + "x"));
    }

    @Test
    @DisplayName("The key bytes handed out are a copy that cannot change the secret")
    void bytesAreACopy() {
        JwtSecret secret = JwtSecret.fromText(TEXT);
        byte[] copy = secret.bytes();
        Arrays.fill(copy, (byte) 0);
        assertArrayEquals(utf8(TEXT), secret.bytes());
    }

    @Test
    @DisplayName("toString shows the length but never the key")
    void toStringHidesKey() {
        String shown = JwtSecret.fromText(TEXT).toString();
        assertFalse(shown.contains(TEXT.substring(0, 8)), shown);
        assertFalse(shown.contains(Base64.getEncoder().encodeToString(utf8(TEXT)).substring(0, 8)), shown);
        assertTrue(shown.contains("40"), shown);
    }

    @Test
    @DisplayName("readOrGenerate creates a missing file with mode 0600 holding 43 characters of base64url")
    void generatesPrivateFile() throws IOException {
        Path file = dir.resolve("sub/dir/jwt-secret");
        JwtSecret.Loaded loaded = JwtSecret.readOrGenerate(file, new FixedRandom((byte) 0xF0));

        assertTrue(loaded.generated());
        assertTrue(Files.isRegularFile(file));
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        assertEquals(PosixFilePermissions.fromString("rw-------"), mode);

        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertEquals(43, text.length(), text);
        assertTrue(text.matches("[A-Za-z0-9_-]{43}"), text);
        byte[] expectedRaw = new byte[32];
        new FixedRandom((byte) 0xF0).nextBytes(expectedRaw);
        assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(expectedRaw), text);
        assertArrayEquals(utf8(text), loaded.secret().bytes());
        assertFalse(loaded.secret().toString().contains(text.substring(0, 8)));
    }

    @Test
    @DisplayName("A second readOrGenerate reads the existing secret instead of replacing it")
    void secondCallReadsSameSecret() throws IOException {
        Path file = dir.resolve("jwt-secret");
        JwtSecret.Loaded first = JwtSecret.readOrGenerate(file, new FixedRandom((byte) 1));
        JwtSecret.Loaded second = JwtSecret.readOrGenerate(file, new FixedRandom((byte) 99));

        assertTrue(first.generated());
        assertFalse(second.generated());
        assertArrayEquals(first.secret().bytes(), second.secret().bytes());
    }

    @Test
    @DisplayName("readOrGenerate keeps a secret file written by the operator, trailing newline stripped")
    void readsOperatorFile() throws IOException {
        Path file = dir.resolve("jwt-secret");
        Files.writeString(file, TEXT + "\n");
        JwtSecret.Loaded loaded = JwtSecret.readOrGenerate(file, new SecureRandom());
        assertFalse(loaded.generated());
        assertArrayEquals(utf8(TEXT), loaded.secret().bytes());
        assertEquals(TEXT + "\n", Files.readString(file));
    }

    @Test
    @DisplayName("Reading a secret file that is too short fails with a message naming the file")
    void shortFileNamesFile() throws IOException {
        Path file = dir.resolve("short-secret");
        Files.writeString(file, "too short\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JwtSecret.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("too short"), e.getMessage());
    }
}
