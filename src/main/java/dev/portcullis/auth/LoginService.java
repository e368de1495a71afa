package dev.portcullis.auth;

import dev.portcullis.platform.Threads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a username and password and issues a token. bcrypt is slow on purpose, so it runs on a pool of
 * its own with a bounded queue shared fairly between client addresses ({@link LoginQueue}): a burst of
 * logins waits there or is refused, and never stalls a listener.
 * Every attempt costs the same bcrypt work (see {@link #check}), so timing does not reveal which names exist.
 */
public final class LoginService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoginService.class);
    /** bcrypt ignores everything past this many bytes of a password. */
    public static final int MAX_PASSWORD_BYTES = 72;

    private final UserStore users;
    private final PasswordHasher hasher;
    private final TokenIssuer issuer;
    /** {@code --bcrypt-cost}: the least any login costs. */
    private final int configuredCost;
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

    public LoginService(UserStore users, PasswordHasher hasher, TokenIssuer issuer, int threads, int queue, int bcryptCost) {
        this.users = users;
        this.hasher = hasher;
        this.issuer = issuer;
        this.configuredCost = bcryptCost;
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
     * The same bcrypt work per attempt whatever the outcome, so unknown, disabled and broken accounts, over-long
     * passwords and hashes of any cost all take the same time: the work of one bcrypt at the target cost, the
     * highest of {@code --bcrypt-cost} and every usable hash in the users file as it is now.
     */
    private Optional<IssuedToken> check(String username, String password) {
        Optional<User> user = users.find(username);
        // Read after find, which re-reads a changed file: a costlier hash just added raises it at once.
        int target = Math.max(configuredCost, users.maxCost(configuredCost));
        // bcrypt reads 72 bytes; a longer password would log in with any suffix, so it never can.
        boolean checkable = user.isPresent() && user.get().canLogIn()
                && password.getBytes(StandardCharsets.UTF_8).length <= MAX_PASSWORD_BYTES;
        if (!checkable) {
            // A hash at the target cost with a fresh salt costs what checking a real one would.
            hasher.hash(password, target);
            return Optional.empty();
        }
        String hash = user.get().passwordHash();
        int cost = PasswordHasher.costOf(hash);
        boolean matches = hasher.verify(password, hash);
        // bcrypt's work doubles with each step of cost, so costs cost..target-1 add up to 2^target - 2^cost:
        // with the check itself, exactly the work of one bcrypt at the target cost, match or not.
        for (int padding = cost; padding < target; padding++) {
            hasher.hash(password, padding);
        }
        if (!matches) {
            return Optional.empty();
        }
        if (cost != configuredCost) {
            rehash(user.get(), password);
        }
        return Optional.of(issuer.issue(user.get()));
    }

    /**
     * Stores the password again at {@code --bcrypt-cost}, now that it is known: a cheaper hash is upgraded, and a
     * costlier one no longer raises every login's work. A file that cannot be written keeps the old hash.
     */
    private void rehash(User user, String password) {
        try {
            if (users.replaceHash(user.username(), user.passwordHash(), hasher.hash(password, configuredCost))) {
                log.info("password of '{}' re-hashed at cost {}", user.username(), configuredCost);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("password of '{}' could not be re-hashed at cost {}: {}", user.username(), configuredCost,
                    e.toString());
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
