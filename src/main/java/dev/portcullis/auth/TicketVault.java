package dev.portcullis.auth;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where a {@link TicketStore} keeps its tickets (protocol.md §13.1): by digest, since the ticket itself is a
 * bearer credential, and shared by every instance of a deployment, so a ticket is redeemed once in the
 * cluster. The futures never block the caller and fail when the vault cannot be reached.
 */
public interface TicketVault {
    /** Stores a ticket until {@code expiresAt}. */
    CompletableFuture<Void> putTicket(String ticketDigest, VerifiedToken identity, Instant expiresAt);

    /** Removes the ticket atomically and returns what it stood for: a ticket is redeemed once in the cluster. */
    CompletableFuture<Optional<VerifiedToken>> takeTicket(String ticketDigest);
}
