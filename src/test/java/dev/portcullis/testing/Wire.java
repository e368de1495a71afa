package dev.portcullis.testing;

/** Client messages as text, the way protocol.md §4 writes them, for tests on any kind of client. */
public final class Wire {
    private Wire() {
    }

    public static String join(String room) {
        return "{\"type\":\"join\",\"room\":\"" + room + "\"}";
    }

    public static String leave(String room) {
        return "{\"type\":\"leave\",\"room\":\"" + room + "\"}";
    }

    /** A {@code message} with {@code payload} given as JSON text, and an id unless {@code id} is null. */
    public static String message(String room, String payload, String id) {
        return "{\"type\":\"message\",\"room\":\"" + room + "\",\"payload\":" + payload
                + (id == null ? "" : ",\"id\":\"" + id + "\"") + "}";
    }
}
