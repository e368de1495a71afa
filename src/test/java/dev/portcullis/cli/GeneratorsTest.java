package dev.portcullis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.Main;
import dev.portcullis.auth.JwtSecret;
import dev.portcullis.crypto.FernetKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The generator subcommands and {@code --version}. */
class GeneratorsTest {
    private String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Main.Exit exit = new Main(Map.of(), new ByteArrayInputStream(new byte[0]), null,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())).run(args);
        assertEquals(Main.Exit.OK, exit);
        return out.toString(StandardCharsets.UTF_8).strip();
    }

    @Test
    @DisplayName("gen-secret prints a fresh 256-bit secret that the server accepts; two runs differ")
    void genSecret() {
        String a = run("gen-secret");
        assertEquals(43, a.length());
        JwtSecret.fromText(a + "\n");
        assertNotEquals(a, run("gen-secret"));
    }

    @Test
    @DisplayName("gen-fernet-key prints a key any Fernet library reads: 32 bytes of URL-safe base64")
    void genFernetKey() {
        String key = run("gen-fernet-key");
        assertEquals(44, key.length());
        FernetKey.parse(key);
    }

    @Test
    @DisplayName("--version names the program")
    void version() {
        assertTrue(run("--version").startsWith("portcullis "));
    }
}
