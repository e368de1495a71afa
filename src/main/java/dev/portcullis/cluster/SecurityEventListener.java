package dev.portcullis.cluster;

/**
 * Where an instance hears of revocations and blocks made anywhere in the cluster (protocol.md §12.2, §13.4).
 * Called on the engine's threads; an implementation only starts checks and closes, never blocks.
 */
public interface SecurityEventListener {
    /** Some tokens of {@code user} were revoked: check that user's sessions again. */
    void revoked(String user);

    /** {@code user} was blocked: close that user's sessions. */
    void blocked(String user);
}
