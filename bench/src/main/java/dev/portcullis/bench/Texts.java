package dev.portcullis.bench;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level reading of server messages. Portcullis writes fields in the order protocol.md §4 gives, so a
 * message is recognised by its first bytes and a number is found after its key, without a JSON parser:
 * the load generator's CPU is the server's competitor here.
 */
final class Texts {
    private Texts() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static boolean startsWith(byte[] a, int off, int len, byte[] prefix) {
        if (len < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (a[off + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The non-negative integer right after the first {@code key} (e.g. {@code "seq":}), or -1. */
    static long numberAfter(byte[] a, int off, int len, byte[] key) {
        int end = off + len;
        outer:
        for (int i = off; i <= end - key.length; i++) {
            for (int j = 0; j < key.length; j++) {
                if (a[i + j] != key[j]) {
                    continue outer;
                }
            }
            long v = 0;
            int k = i + key.length;
            if (k >= end || a[k] < '0' || a[k] > '9') {
                return -1;
            }
            for (; k < end && a[k] >= '0' && a[k] <= '9'; k++) {
                v = v * 10 + (a[k] - '0');
            }
            return v;
        }
        return -1;
    }

    static String string(byte[] a, int off, int len) {
        return new String(a, off, len, StandardCharsets.UTF_8);
    }
}
