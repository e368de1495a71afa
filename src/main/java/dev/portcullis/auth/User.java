package dev.portcullis.auth;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One account from the users file: a name, a bcrypt hash and the roles that go into its tokens. An account
 * that is disabled, or whose hash is malformed, stays listed but can never log in.
 */
public record User(String username, String passwordHash, List<String> roles, boolean disabled) {
    /** Usernames are printed in logs and tokens; keep them boring. */
    public static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    public User {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new IllegalArgumentException("username must be 1-64 characters of A-Z a-z 0-9 . _ @ -");
        }
        passwordHash = passwordHash == null ? "" : passwordHash;
        roles = List.copyOf(roles == null ? List.of() : roles);
    }

    public User(String username, String passwordHash, List<String> roles) {
        this(username, passwordHash, roles, false);
    }

    /** Whether a correct password may log this account in. */
    public boolean canLogIn() {
        return !disabled && PasswordHasher.isBcryptHash(passwordHash);
    }

    @Override
    public String toString() {
        return "User[" + username + ", roles=" + roles + (disabled ? ", disabled" : "") + "]";
    }
}
