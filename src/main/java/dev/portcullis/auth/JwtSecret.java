package dev.portcullis.auth;

import dev.portcullis.platform.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * The HS256 key. On disk it is text; its UTF-8 bytes without a trailing newline are the key, so any JWT
 * library given the same text signs and verifies the same tokens. {@link #toString()} never shows it.
 */
public final class JwtSecret {
    /** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
    public static final int MIN_BYTES = 32;
    private static final int GENERATED_BYTES = 32;

    private final byte[] key;

    private JwtSecret(byte[] key) {
        if (key.length < MIN_BYTES) {
            throw new IllegalArgumentException("JWT secret is " + key.length + " bytes; at least " + MIN_BYTES + " are required");
        }
        this.key = key.clone();
    }

    /** The secret from its text form, as found in a secret file. */
    public static JwtSecret fromText(String text) {
        String trimmed = text;
        if (trimmed.endsWith("\n")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
            if (trimmed.endsWith("\r")) {
                trimmed = trimmed.substring(0, trimmed.length() - 1);
            }
        }
        return new JwtSecret(trimmed.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a configured secret file; it must exist and hold at least {@link #MIN_BYTES} bytes. */
    public static JwtSecret read(Path file) throws IOException {
        try {
            return fromText(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
    }

    /** What {@link #readOrGenerate} did, so the caller can warn the operator. */
    public record Loaded(JwtSecret secret, boolean generated) {
    }

    /** A fresh random 256-bit secret in its text form (43 characters of base64url), as {@code gen-secret} prints it. */
    public static String generateText(SecureRandom random) {
        byte[] raw = new byte[GENERATED_BYTES];
        random.nextBytes(raw);
        String text = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Arrays.fill(raw, (byte) 0);
        return text;
    }

    /** Reads {@code file}, or writes a fresh random 256-bit secret there (mode 0600) when it does not exist. */
    public static Loaded readOrGenerate(Path file, SecureRandom random) throws IOException {
        String text = generateText(random);
        if (PrivateFiles.createNew(file, text.getBytes(StandardCharsets.UTF_8))) {
            return new Loaded(fromText(text), true);
        }
        return new Loaded(read(file), false);
    }

    /** A copy of the key bytes, for the HMAC. */
    public byte[] bytes() {
        return key.clone();
    }

    @Override
    public String toString() {
        return "JwtSecret[" + key.length + " bytes]";
    }
}
