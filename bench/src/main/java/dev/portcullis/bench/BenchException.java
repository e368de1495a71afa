package dev.portcullis.bench;

/** The harness could not measure what it set out to: a server did not start, a wait ran out, a client broke. */
final class BenchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
