package dev.portcullis.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import org.mindrot.jbcrypt.BCrypt;

/**
 * bcrypt hashing and verification. Accepts the {@code $2a$}, {@code $2b$} and {@code $2y$} prefixes
 * that different bcrypt implementations write; they differ only in bugs jBCrypt never had.
 */
public final class PasswordHasher {
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12]\\d|30)\\$[./A-Za-z0-9]{53}");

    private final SecureRandom random;
    /** Told the cost of every bcrypt computed, before it runs: what a login costs, for tests to compare. */
    private final IntConsumer work;

    public PasswordHasher(SecureRandom random) {
        this(random, cost -> { });
    }

    public PasswordHasher(SecureRandom random, IntConsumer work) {
        this.random = random;
        this.work = work;
    }

    public String hash(String password, int cost) {
        work.accept(cost);
        return BCrypt.hashpw(password, BCrypt.gensalt(cost, random));
    }

    /** Constant-time check of {@code password} against {@code hash}; false for anything that is not a bcrypt hash. */
    public boolean verify(String password, String hash) {
        if (!isBcryptHash(hash)) {
            return false;
        }
        // jBCrypt 0.4 only parses $2a$; $2b$ and $2y$ hash the same bytes for passwords under 255 bytes.
        String normalized = "$2a$" + hash.substring(4);
        work.accept(costOf(hash));
        String computed;
        try {
            computed = BCrypt.hashpw(password, normalized);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(
                computed.substring(4).getBytes(StandardCharsets.US_ASCII),
                normalized.substring(4).getBytes(StandardCharsets.US_ASCII));
    }

    public static boolean isBcryptHash(String hash) {
        return hash != null && BCRYPT.matcher(hash).matches();
    }

    /** The cost (log2 of rounds) a hash was made with. */
    public static int costOf(String hash) {
        var m = BCRYPT.matcher(hash);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a bcrypt hash");
        }
        return Integer.parseInt(m.group(1));
    }
}
