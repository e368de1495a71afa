package dev.portcullis.auth;

import dev.portcullis.Threads;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Checks a username and password and issues a token. bcrypt is slow on purpose, so it runs on a pool of
 * its own with a bounded queue: a burst of logins waits there or is refused, and never stalls a listener.
 * An unknown user costs one bcrypt against a dummy hash, so timing does not reveal which names exist.
 */
public final class LoginService implements AutoCloseable {
    /** bcrypt ignores everything past this many bytes of a password. */
    public static final int MAX_PASSWORD_BYTES = 72;

    private final UserStore users;
    private final PasswordHasher hasher;
    private final TokenIssuer issuer;
    private final String dummyHash;
    private final ThreadPoolExecutor pool;

    /** Thrown (inside the future) when every bcrypt thread is busy and the queue is full. */
    public static final class BusyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BusyException() {
            super("login queue is full", null, false, false);
        }
    }

    public LoginService(UserStore users, PasswordHasher hasher, TokenIssuer issuer, int threads, int queue, int defaultCost) {
        this.users = users;
        this.hasher = hasher;
        this.issuer = issuer;
        this.dummyHash = hasher.hash("portcullis-dummy-password", users.maxCost(defaultCost));
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue),
                Threads.numbered("login-bcrypt"));
    }

    /** Completes with the token, or empty for bad credentials; fails with {@link BusyException} when overloaded. */
    public CompletableFuture<Optional<IssuedToken>> login(String username, String password) {
        try {
            return CompletableFuture.supplyAsync(() -> check(username, password), pool);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new BusyException());
        }
    }

    /**
     * Exactly one bcrypt per attempt whatever the outcome, so unknown, disabled and broken accounts and
     * over-long passwords cost the same time as a real check.
     */
    private Optional<IssuedToken> check(String username, String password) {
        Optional<User> user = users.find(username);
        // bcrypt reads 72 bytes; a longer password would log in with any suffix, so it never can.
        boolean checkable = user.isPresent() && user.get().canLogIn()
                && password.getBytes(StandardCharsets.UTF_8).length <= MAX_PASSWORD_BYTES;
        boolean matches = hasher.verify(password, checkable ? user.get().passwordHash() : dummyHash);
        if (!checkable || !matches) {
            return Optional.empty();
        }
        return Optional.of(issuer.issue(user.get()));
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
