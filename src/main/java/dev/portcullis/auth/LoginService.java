package dev.portcullis.auth;

import dev.portcullis.Threads;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Checks a username and password and issues a token. bcrypt is slow on purpose, so it runs on a pool of
 * its own with a bounded queue shared fairly between client addresses ({@link LoginQueue}): a burst of
 * logins waits there or is refused, and never stalls a listener.
 * An unknown user costs one bcrypt against a dummy hash, so timing does not reveal which names exist.
 */
public final class LoginService implements AutoCloseable {
    /** bcrypt ignores everything past this many bytes of a password. */
    public static final int MAX_PASSWORD_BYTES = 72;

    private final UserStore users;
    private final PasswordHasher hasher;
    private final TokenIssuer issuer;
    private final String dummyHash;
    private final int addressShare;
    private final LoginQueue pool;

    /**
     * Thrown (inside the future) when a login finds no place in the pool: every thread is busy and the queue
     * is full, or its address already holds its share ({@link #addressShare()}).
     */
    public static final class BusyException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean addressShare;

        BusyException(boolean addressShare) {
            super(addressShare ? "this address holds its share of the login queue" : "login queue is full",
                    null, false, false);
            this.addressShare = addressShare;
        }

        /** Whether only this address was refused, holding its share, while others may still be served. */
        public boolean addressShare() {
            return addressShare;
        }
    }

    public LoginService(UserStore users, PasswordHasher hasher, TokenIssuer issuer, int threads, int queue, int defaultCost) {
        this.users = users;
        this.hasher = hasher;
        this.issuer = issuer;
        this.dummyHash = hasher.hash("portcullis-dummy-password", users.maxCost(defaultCost));
        this.pool = new LoginQueue(threads, queue, Threads.numbered("login-bcrypt"));
        this.addressShare = LoginQueue.addressShare(threads, queue);
    }

    /** How many logins one client address may have running and waiting at once. */
    public int addressShare() {
        return addressShare;
    }

    /**
     * Completes with the token, or empty for bad credentials; fails with {@link BusyException} when there is
     * no place for it. Logins from one {@code address} take their turns with every other address's.
     */
    public CompletableFuture<Optional<IssuedToken>> login(String username, String password, String address) {
        CompletableFuture<Optional<IssuedToken>> result = new CompletableFuture<>();
        pool.submit(address, new LoginQueue.Job() {
            /** Written by run() and read by answer(), both on the one pool thread that runs this job. */
            private Optional<IssuedToken> outcome;
            private RuntimeException failure;

            @Override
            public void run() {
                try {
                    outcome = check(username, password);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }

            @Override
            public void answer() {
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    result.complete(outcome);
                }
            }

            @Override
            public void refuse(LoginQueue.Refusal why) {
                result.completeExceptionally(new BusyException(why == LoginQueue.Refusal.ADDRESS_SHARE));
            }
        });
        return result;
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
        pool.close();
    }
}
