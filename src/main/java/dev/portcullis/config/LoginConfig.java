package dev.portcullis.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How passwords are stored and checked: the users file, the bcrypt cost and the pool that runs logins.
 *
 * @param usersFile         already resolved against the data dir
 * @param usersFileExplicit whether the operator named the users file; only a default one is created
 * @param threads           threads that check passwords
 * @param queue             logins that may wait for a thread before more are refused
 */
public record LoginConfig(Path usersFile, boolean usersFileExplicit, int bcryptCost, int threads, int queue) {
    /**
     * The shortest password {@code add-user} and {@code hash-password} accept, in characters: twelve resist an
     * offline guess at a leaked hash for years even at a low bcrypt cost, and a passphrase reaches it easily.
     */
    public static final int MIN_PASSWORD_CHARS = 12;

    public LoginConfig {
        Objects.requireNonNull(usersFile, "usersFile");
        if (threads < 1 || queue < 0) {
            throw new IllegalArgumentException("--login-threads must be at least 1 and --login-queue at least 0");
        }
        if (bcryptCost < 4 || bcryptCost > 30) {
            // jBCrypt refuses 31 although the format allows it.
            throw new IllegalArgumentException("--bcrypt-cost must be between 4 and 30");
        }
    }
}
