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

/**
 * Makes embedded defaults safe: with no users file configured, the first start creates one with a single
 * {@code admin} whose random password is shown once on the console and stored only as a bcrypt hash.
 */
final class FirstRun {
    /** 144 random bits, 24 characters of base64url: strong and still typeable. */
    private static final int PASSWORD_BYTES = 18;

    private FirstRun() {
    }

    static void ensureUsersFile(LoginConfig logins, PasswordHasher hasher, SecureRandom random, PrintStream console)
            throws IOException {
        if (Files.exists(logins.usersFile())) {
            return;
        }
        if (logins.usersFileExplicit()) {
            throw new IllegalArgumentException("users file " + logins.usersFile() + " does not exist"
                    + " (create it with: add-user NAME --users " + logins.usersFile() + ")");
        }
        byte[] raw = new byte[PASSWORD_BYTES];
        random.nextBytes(raw);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        User admin = new User("admin", hasher.hash(password, logins.bcryptCost()), List.of("admin"));
        UserStore.write(logins.usersFile(), List.of(admin));
        // Printed straight to the console, never through a logger: this is the only copy of the password.
        console.println("""
                ==================================================================
                 portcullis: created %s with one user.
                   username: admin
                   password: %s
                 This password is shown once. Change it with:
                   java -jar portcullis.jar add-user admin --role admin
                ==================================================================""".formatted(logins.usersFile(), password));
        console.flush();
    }
}
