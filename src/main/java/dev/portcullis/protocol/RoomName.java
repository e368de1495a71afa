package dev.portcullis.protocol;

import java.util.regex.Pattern;

/**
 * The rule for room names (protocol.md §4.4): short, printable and safe in logs and URLs. The server
 * refuses other names with {@code invalid_room}; the client checks them before sending.
 */
public final class RoomName {
    /** The longest name, in characters. */
    public static final int MAX_LENGTH = 64;
    /** The whole rule as the server's {@code invalid_room} error and the client's exception state it. */
    public static final String RULE = "room names are 1-" + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ : -";
    public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_LENGTH + "}");

    private RoomName() {
    }

    /** Whether {@code room} is a name the server accepts; false for null. */
    public static boolean isValid(String room) {
        return room != null && PATTERN.matcher(room).matches();
    }
}
