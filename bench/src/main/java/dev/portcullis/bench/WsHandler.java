package dev.portcullis.bench;

/**
 * What a {@link WsClient} reports, always on its {@link Loop}'s thread. {@code nanos} is
 * {@link System#nanoTime()} taken once per selector wake-up, so callbacks do not pay for the clock.
 */
interface WsHandler {
    /** The server answered the upgrade with 101. */
    default void onOpen(WsClient client, long nanos) {
    }

    /**
     * One complete text message, as UTF-8 bytes at {@code buf[off..off+len)}. The array is the client's
     * read buffer: read what you need now, keep no reference.
     */
    default void onText(WsClient client, byte[] buf, int off, int len, long nanos) {
    }

    /**
     * The connection ended: {@code code} from the server's close frame, or 1006 when TCP ended without one
     * (connect refused, reset, EOF, a refused upgrade). Never called after {@link WsClient#abort()}.
     */
    default void onClose(WsClient client, int code, String reason, long nanos) {
    }
}
