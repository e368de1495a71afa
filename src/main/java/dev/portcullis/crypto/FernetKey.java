package dev.portcullis.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A Fernet key: 32 bytes, written as URL-safe base64 with padding; the first half signs (HMAC-SHA256),
 * the second half encrypts (AES-128-CBC). {@link #toString()} never shows it.
 */
public final class FernetKey {
    private final byte[] signing;
    private final byte[] encryption;

    private FernetKey(byte[] raw) {
        this.signing = Arrays.copyOfRange(raw, 0, 16);
        this.encryption = Arrays.copyOfRange(raw, 16, 32);
    }

    /** Parses the 44-character text form; anything else is refused with a message that does not quote it. */
    public static FernetKey parse(String text) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a Fernet key must be URL-safe base64");
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("a Fernet key must be 32 bytes (44 characters of base64), not " + raw.length);
        }
        return new FernetKey(raw);
    }

    /** A fresh random key in its text form, as {@code gen-fernet-key} prints it. */
    public static String generate(SecureRandom random) {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        return Base64.getUrlEncoder().encodeToString(raw);
    }

    byte[] signing() {
        return signing;
    }

    byte[] encryption() {
        return encryption;
    }

    @Override
    public String toString() {
        return "FernetKey[redacted]";
    }
}
