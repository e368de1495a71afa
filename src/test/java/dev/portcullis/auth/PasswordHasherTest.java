package dev.portcullis.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests bcrypt verification against hashes written by other implementations, and hashing with jBCrypt. */
@DisplayName("PasswordHasher")
class PasswordHasherTest {

    /** PHP manual, password_verify() example: cost 10, $2y$. */
    static final String PHP_2Y = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";
    /** {@code htpasswd -bnBC 4 u password} (Apache apr-util), $2y$. */
    static final String HTPASSWD_2Y = "$2y$04$RNq.8djB2dsJlVP5E814nu70YVPwLoBlDwya.EuP/czczJo.F/9t.";
    /** Python bcrypt 3.2.2: {@code bcrypt.hashpw(b'correct horse battery staple', bcrypt.gensalt(4, prefix=b'2b'))}. */
    static final String PY_2B = "$2b$04$0D4Iw2lNQwzAH/XGjaSNK.44k8jHOxeFJn/6zSQM/gD/SO0S40JRe";
    /** Python bcrypt 3.2.2, non-ASCII password 'pässwörd-ünïcode' encoded as UTF-8, $2b$. */
    static final String PY_2B_UNICODE = "$2b$04$rqTPxoHasRfzqjBkKPQ6Se9nf9NTZhKacViIoRgkqiPUu3TWjUXrK";
    /** Python bcrypt 3.2.2: {@code bcrypt.hashpw(b'open sesame', bcrypt.gensalt(4, prefix=b'2a'))}. */
    static final String PY_2A = "$2a$04$w7zwwdnTAhPE7j7s9YQkhuDxzaYZHEZn.xRmllt5fjguE4O1lZXfS";

    private final PasswordHasher hasher = new PasswordHasher(new SecureRandom());

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "rasmuslerdorf                |" + PHP_2Y,
            "password                     |" + HTPASSWD_2Y,
            "correct horse battery staple |" + PY_2B,
            "pässwörd-ünïcode             |" + PY_2B_UNICODE,
            "open sesame                  |" + PY_2A
    })
    @DisplayName("A hash written by PHP, htpasswd or Python bcrypt verifies with its password")
    void verifiesForeignHashes(String password, String hash) {
        assertTrue(hasher.verify(password, hash));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {PHP_2Y, HTPASSWD_2Y, PY_2B, PY_2B_UNICODE, PY_2A})
    @DisplayName("A foreign hash does not verify with a wrong password")
    void rejectsWrongPasswordForForeignHashes(String hash) {
        assertFalse(hasher.verify("wrong password", hash));
        assertFalse(hasher.verify("", hash));
    }

    @Test
    @DisplayName("A password differing only in its last character or in case does not verify")
    void rejectsNearMisses() {
        assertFalse(hasher.verify("rasmuslerdorF", PHP_2Y));
        assertFalse(hasher.verify("rasmuslerdor", PHP_2Y));
        assertFalse(hasher.verify("Password", HTPASSWD_2Y));
    }

    @Test
    @DisplayName("A hash whose checksum was altered does not verify")
    void rejectsAlteredChecksum() {
        String altered = PY_2B.substring(0, PY_2B.length() - 2) + (PY_2B.endsWith("Re") ? "Ra" : "Re");
        assertNotEquals(PY_2B, altered);
        assertFalse(hasher.verify("correct horse battery staple", altered));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @NullAndEmptySource
    @ValueSource(strings = {
            "password",
            "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
            "$2x$04$0D4Iw2lNQwzAH/XGjaSNK.44k8jHOxeFJn/6zSQM/gD/SO0S40JRe",
            "$2b$4$0D4Iw2lNQwzAH/XGjaSNK.44k8jHOxeFJn/6zSQM/gD/SO0S40JRe",
            "$2b$04$0D4Iw2lNQwzAH/XGjaSNK.44k8jHOxeFJn/6zSQM/gD/SO0S40JR",
            "$2b$04$0D4Iw2lNQwzAH/XGjaSNK.44k8jHOxeFJn/6zSQM/gD/SO0S40JRe ",
            "$2b$04$0D4Iw2lNQwzAH/XGjaSNK.44k8jHOxeFJn/6zSQM/gD/SO0S40JR!",
            "$2b$03$0D4Iw2lNQwzAH/XGjaSNK.44k8jHOxeFJn/6zSQM/gD/SO0S40JRe",
            "$2b$31$0D4Iw2lNQwzAH/XGjaSNK.44k8jHOxeFJn/6zSQM/gD/SO0S40JRe",
            "$2b$99$0D4Iw2lNQwzAH/XGjaSNK.44k8jHOxeFJn/6zSQM/gD/SO0S40JRe"
    })
    @DisplayName("Anything that is not a bcrypt hash never verifies and is not recognised as one")
    void rejectsNonBcrypt(String notAHash) {
        assertFalse(hasher.verify("password", notAHash));
        assertFalse(PasswordHasher.isBcryptHash(notAHash));
    }

    @Test
    @DisplayName("The cost is read from the hash")
    void costOf() {
        assertEquals(10, PasswordHasher.costOf(PHP_2Y));
        assertEquals(4, PasswordHasher.costOf(PY_2B));
        assertEquals(4, PasswordHasher.costOf(HTPASSWD_2Y));
        assertThrows(IllegalArgumentException.class, () -> PasswordHasher.costOf("not a hash"));
    }

    @Test
    @DisplayName("A fresh hash is a $2a$ hash at the asked cost, salted, and verifies only with its password")
    void hashesAndVerifies() {
        String first = hasher.hash("s3cret-Pässword", 4);
        String second = hasher.hash("s3cret-Pässword", 5);
        assertTrue(first.startsWith("$2a$04$"), first);
        assertTrue(second.startsWith("$2a$05$"), second);
        assertTrue(PasswordHasher.isBcryptHash(first));
        assertNotEquals(first.substring(7), second.substring(7));
        assertTrue(hasher.verify("s3cret-Pässword", first));
        assertTrue(hasher.verify("s3cret-Pässword", second));
        assertFalse(hasher.verify("s3cret-Password", first));
    }

    @Test
    @DisplayName("The same hash with the $2b$ or $2y$ prefix verifies the same way")
    void prefixesAreEquivalent() {
        String a = hasher.hash("tr0ub4dor", 4);
        String rest = a.substring(4);
        assertTrue(hasher.verify("tr0ub4dor", "$2b$" + rest));
        assertTrue(hasher.verify("tr0ub4dor", "$2y$" + rest));
        assertFalse(hasher.verify("tr0ub4dor&3", "$2y$" + rest));
    }
}
