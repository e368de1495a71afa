package dev.portcullis.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Short-lived, single-use tickets that stand for a verified token, for clients that cannot send a first
 * message (or must not put a long-lived token in a URL). A ticket is 256 random bits; it is bound to the
 * identity it was issued for and gone the moment it is redeemed or expires. Memory only: a restart
 * voids every ticket, which at 30 seconds of life costs nobody much.
 */
public final class TicketStore {
    private static final int TICKET_BYTES = 32;

    private record Entry(VerifiedToken identity, Instant expiresAt) {
    }

    private final ConcurrentHashMap<String, Entry> tickets = new ConcurrentHashMap<>();
    private final SecureRandom random;
    private final Clock clock;
    private final Duration ttl;

    public TicketStore(SecureRandom random, Clock clock, Duration ttl) {
        this.random = random;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** A new ticket for {@code identity}; it never outlives the token it stands for. */
    public String issue(VerifiedToken identity) {
        byte[] raw = new byte[TICKET_BYTES];
        random.nextBytes(raw);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant expires = clock.instant().plus(ttl);
        if (expires.isAfter(identity.expiresAt())) {
            expires = identity.expiresAt();
        }
        tickets.put(ticket, new Entry(identity, expires));
        return ticket;
    }

    /** Takes the ticket out for good; its identity if it existed and had not expired. */
    public Optional<VerifiedToken> redeem(String ticket) {
        Entry e = tickets.remove(ticket);
        if (e == null || !e.expiresAt().isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(e.identity());
    }

    public Duration ttl() {
        return ttl;
    }

    /** Drops expired tickets nobody redeemed; run periodically. */
    public void purgeExpired() {
        Instant now = clock.instant();
        tickets.values().removeIf(e -> !e.expiresAt().isAfter(now));
    }

    public int size() {
        return tickets.size();
    }
}
