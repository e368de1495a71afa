package dev.portcullis.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Fernet (the spec at github.com/fernet/spec) on the JDK alone, with key rotation as MultiFernet does it:
 * the first key encrypts, every key is tried to decrypt. A token is
 * {@code base64url(0x80 | timestamp(8) | iv(16) | AES-128-CBC(plaintext) | HMAC-SHA256(all before))}.
 * Thread-safe; the JCE objects are made per call.
 */
public final class Fernet {
    private static final byte VERSION = (byte) 0x80;
    private static final int HEADER = 1 + 8 + 16;
    private static final int MAC = 32;
    /** The spec's allowance for a token stamped slightly in the future by a fast clock. */
    private static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(60);

    private final List<FernetKey> keys;
    private final SecureRandom random;
    private final Clock clock;

    public Fernet(List<FernetKey> keys, SecureRandom random, Clock clock) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("Fernet needs at least one key");
        }
        this.keys = List.copyOf(keys);
        this.random = random;
        this.clock = clock;
    }

    /** Encrypts with the first key, a random IV and the clock's time. */
    public String encrypt(byte[] plaintext) {
        byte[] iv = new byte[16];
        random.nextBytes(iv);
        return encrypt(plaintext, clock.instant(), iv);
    }

    /** Encrypts with the given time and IV: for the spec's test vectors only. */
    public String encrypt(byte[] plaintext, Instant now, byte[] iv) {
        FernetKey key = keys.get(0);
        try {
            Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key.encryption(), "AES"), new IvParameterSpec(iv));
            byte[] ciphertext = aes.doFinal(plaintext);
            ByteBuffer token = ByteBuffer.allocate(HEADER + ciphertext.length + MAC);
            token.put(VERSION).putLong(now.getEpochSecond()).put(iv).put(ciphertext);
            token.put(mac(key, token.array(), token.position()));
            return Base64.getUrlEncoder().encodeToString(token.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES-CBC or HMAC-SHA256", e);
        }
    }

    /**
     * Verifies and decrypts {@code token} with any of the keys. With a {@code ttl}, a token older than it,
     * or stamped more than 60 s in the future, is refused; without one the time is not checked.
     */
    public byte[] decrypt(String token, Duration ttl) throws FernetException {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw new FernetException("not URL-safe base64");
        }
        if (raw.length < HEADER + 16 + MAC || (raw.length - HEADER - MAC) % 16 != 0) {
            throw new FernetException("wrong length");
        }
        if (raw[0] != VERSION) {
            throw new FernetException("unknown version");
        }
        // Plain seconds, not Instant: a forged stamp may be far outside what Instant can hold.
        long stamped = ByteBuffer.wrap(raw, 1, 8).getLong();
        if (ttl != null) {
            long now = clock.instant().getEpochSecond();
            if (stamped > now + MAX_CLOCK_SKEW.toSeconds()) {
                throw new FernetException("timestamp too far in the future");
            }
            if (stamped < now - ttl.toSeconds()) {
                throw new FernetException("expired");
            }
        }
        byte[] signed = Arrays.copyOfRange(raw, 0, raw.length - MAC);
        byte[] given = Arrays.copyOfRange(raw, raw.length - MAC, raw.length);
        for (FernetKey key : keys) {
            try {
                if (!MessageDigest.isEqual(mac(key, signed, signed.length), given)) {
                    continue;
                }
                Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
                aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key.encryption(), "AES"),
                        new IvParameterSpec(raw, 9, 16));
                return aes.doFinal(raw, HEADER, raw.length - HEADER - MAC);
            } catch (BadPaddingException e) {
                throw new FernetException("bad padding");
            } catch (GeneralSecurityException e) {
                throw new FernetException("cannot decrypt");
            }
        }
        throw new FernetException("no key matches the signature");
    }

    private static byte[] mac(FernetKey key, byte[] data, int length) throws GeneralSecurityException {
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(key.signing(), "HmacSHA256"));
        hmac.update(data, 0, length);
        return hmac.doFinal();
    }
}
