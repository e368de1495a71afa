package dev.portcullis.config;

import java.nio.file.Path;

/**
 * Who may join which room, and how many rooms one connection may be in.
 *
 * @param rulesFile        the room rules, or {@code null} when every room follows {@code defaultAllow}
 * @param defaultAllow     whether a room no rule names is open to every authenticated user
 * @param maxPerConnection rooms one connection may be a member of at once
 */
public record RoomConfig(Path rulesFile, boolean defaultAllow, int maxPerConnection) {

    public RoomConfig {
        if (maxPerConnection < 1) {
            throw new IllegalArgumentException("--max-rooms-per-connection must be at least 1");
        }
    }
}
