package dev.portcullis.cluster;

/**
 * One connection in a room, as the cluster knows it: its user and a key unique across instances
 * ({@code instance/session}), by which the instance that holds the connection recognises its own events. As
 * the sender of a message the key also numbers the message ({@code instance/session#n}), so its copy is
 * recognised even when it comes back late; the room service writes and reads that number, the cluster only
 * carries the key.
 */
public record Member(String user, String key) {
    /** The part of {@link #key} before the slash: the instance that holds the connection. */
    public String instance() {
        int slash = key.indexOf('/');
        return slash < 0 ? key : key.substring(0, slash);
    }
}
