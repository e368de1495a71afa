package dev.portcullis.server;

import dev.portcullis.auth.PasswordHasher;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.config.LoginConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes embedded defaults safe: with no users file configured, the first start creates one with a single
 * {@code admin} whose random password is stored only as a bcrypt hash and shown once, after the server has
 * started; a start that fails removes that file again, so the next start makes and shows a new password.
 */
final class FirstRun {
    private static final Logger log = LoggerFactory.getLogger(FirstRun.class);
    /** 144 random bits, 24 characters of base64url: strong and still typeable. */
    private static final int PASSWORD_BYTES = 18;

    private final LoginConfig logins;
    /**
     * The password of the admin this start created, until it is shown or its file removed; null when this
     * start created no users file. Owned by the thread that starts the server.
     */
    private String password;

    FirstRun(LoginConfig logins) {
        this.logins = logins;
    }

    /** Creates the default users file with a new admin if it is missing; shows nothing yet. */
    void ensureUsersFile(PasswordHasher hasher, SecureRandom random) throws IOException {
        if (Files.exists(logins.usersFile())) {
            return;
        }
        if (logins.usersFileExplicit()) {
            throw new IllegalArgumentException("users file " + logins.usersFile() + " does not exist"
                    + " (create it with: add-user NAME --users " + logins.usersFile() + ")");
        }
        byte[] raw = new byte[PASSWORD_BYTES];
        random.nextBytes(raw);
        String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        User admin = new User("admin", hasher.hash(generated, logins.bcryptCost()), List.of("admin"));
        UserStore.write(logins.usersFile(), List.of(admin));
        password = generated;
    }

    /** Once the server is up: shows the generated password, if this start made one. */
    void announce(PrintStream console) {
        if (password == null) {
            return;
        }
        // Printed straight to the console, never through a logger: this is the only copy of the password.
        console.println("""
                ==================================================================
                 portcullis: created %s with one user.
                   username: admin
                   password: %s
                 This password is shown once. Change it, from the repository root, with:
                   ./run.sh add-user admin --role admin --users %s
                ==================================================================""".formatted(
                logins.usersFile(), password, logins.usersFile()));
        console.flush();
        password = null;
    }

    /**
     * After a failed start: removes the users file this start created, whose password nobody has seen.
     * An existing users file is never touched.
     */
    void discard() {
        if (password == null) {
            return;
        }
        password = null;
        try {
            Files.deleteIfExists(logins.usersFile());
        } catch (IOException e) {
            log.warn("could not remove {}, created by this failed start: delete it, or the admin password made"
                    + " for it is never shown ({})", logins.usersFile(), e.toString());
        }
    }
}
