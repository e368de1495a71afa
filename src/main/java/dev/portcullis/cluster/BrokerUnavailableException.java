package dev.portcullis.cluster;

/**
 * The shared engine cannot answer now (Redis unreachable, or this instance not caught up). Callers answer
 * {@code broker_unavailable} or close with 1011 {@code Try again later}; they never assume the answer.
 */
public final class BrokerUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BrokerUnavailableException(String message) {
        super(message, null, false, false);
    }

    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
