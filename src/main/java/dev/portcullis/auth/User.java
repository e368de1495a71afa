package dev.portcullis.auth;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** One account from the users file: a name, a bcrypt hash and the roles that go into its tokens. */
public record User(String username, String passwordHash, List<String> roles) {
    /** Usernames are printed in logs and tokens; keep them boring. */
    public static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    public User {
        Objects.requireNonNull(passwordHash, "passwordHash");
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new IllegalArgumentException("username must be 1-64 characters of A-Z a-z 0-9 . _ @ -");
        }
        if (!PasswordHasher.isBcryptHash(passwordHash)) {
            throw new IllegalArgumentException("password_hash of '" + username + "' is not a bcrypt hash ($2a$, $2b$ or $2y$)");
        }
        roles = List.copyOf(roles == null ? List.of() : roles);
    }
}
