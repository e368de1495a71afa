package dev.portcullis.client;

/**
 * A message as the server relayed it to a room (protocol.md §4.7). {@link PortcullisClient#send} completes
 * with the sender's own copy: the message has its place ({@code seq}) in the room's order and has been
 * queued to every member.
 *
 * @param payloadJson the payload as compact JSON text, as the server re-serialised it
 * @param id          the sender's id, or null
 * @param ts          when the server relayed it, epoch milliseconds
 */
public record RoomMessage(String room, String from, String payloadJson, String id, long seq, long ts) {
}
