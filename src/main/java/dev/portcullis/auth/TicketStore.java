package dev.portcullis.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Short-lived, single-use tickets that stand for a verified token, for clients that cannot send a first
 * message (or must not put a long-lived token in a URL). A ticket is 256 random bits; it is bound to the
 * identity it was issued for and gone the moment it is redeemed or expires. Kept in the {@link TicketVault}
 * under a digest, never the ticket itself, so a ticket issued by one instance is redeemed once on any of them.
 */
public final class TicketStore {
    private static final int TICKET_BYTES = 32;

    private final TicketVault vault;
    private final SecureRandom random;
    private final Clock clock;
    private final Duration ttl;

    public TicketStore(TicketVault vault, SecureRandom random, Clock clock, Duration ttl) {
        this.vault = vault;
        this.random = random;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** A new ticket for {@code identity}, once stored; it never outlives the token it stands for. */
    public CompletableFuture<String> issue(VerifiedToken identity) {
        byte[] raw = new byte[TICKET_BYTES];
        random.nextBytes(raw);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant expires = clock.instant().plus(ttl);
        if (expires.isAfter(identity.expiresAt())) {
            expires = identity.expiresAt();
        }
        return vault.putTicket(digest(ticket), identity, expires).thenApply(v -> ticket);
    }

    /** Takes the ticket out for good; its identity if it existed and had not expired. */
    public CompletableFuture<Optional<VerifiedToken>> redeem(String ticket) {
        return vault.takeTicket(digest(ticket));
    }

    public Duration ttl() {
        return ttl;
    }

    /** SHA-256, base64url: what the store keys a ticket by. */
    static String digest(String ticket) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
