package dev.portcullis.testing;

import dev.portcullis.client.ClientListener;
import dev.portcullis.client.ClientState;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link ClientListener} that records every callback as a record, in the order the client made them,
 * so tests can wait for one and read the transcript. Tests may extend it to note more (the time of a callback).
 */
public class Recorder implements ClientListener {
    public sealed interface Event permits Authenticated, Joined, Message, Presence, Error, Refreshed, StateChange, Closed,
            Reconnecting {
    }

    public record Authenticated(String user, List<String> roles, Instant expiresAt) implements Event {
    }

    public record Joined(String room, List<String> members) implements Event {
    }

    public record Message(String room, String from, String payloadJson, String id, long seq, long ts) implements Event {
    }

    public record Presence(String room, String user, PresenceEvent event) implements Event {
    }

    public record Error(String code, String message) implements Event {
    }

    public record Refreshed(Instant expiresAt) implements Event {
    }

    public record StateChange(ClientState from, ClientState to) implements Event {
    }

    public record Closed(int code, String reason) implements Event {
    }

    public record Reconnecting(int attempt, Duration delay) implements Event {
    }

    public final List<Event> events = new CopyOnWriteArrayList<>();

    /** The events of one kind, in order. */
    public <T extends Event> List<T> all(Class<T> kind) {
        return events.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    /** Waits until {@code count} events of one kind have arrived (at most {@link Clients#WAIT}); returns all of that kind. */
    public <T extends Event> List<T> await(Class<T> kind, int count) {
        // Polled often: some tests time how soon an event arrives.
        org.awaitility.Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Clients.WAIT).until(() -> all(kind).size() >= count);
        return all(kind);
    }

    /** The messages received, in order. */
    public List<Message> messages() {
        return all(Message.class);
    }

    @Override
    public void onAuthenticated(String user, List<String> roles, Instant expiresAt) {
        events.add(new Authenticated(user, roles, expiresAt));
    }

    @Override
    public void onJoined(String room, List<String> members) {
        events.add(new Joined(room, members));
    }

    @Override
    public void onMessage(String room, String from, String payloadJson, String id, long seq, long ts) {
        events.add(new Message(room, from, payloadJson, id, seq, ts));
    }

    @Override
    public void onPresence(String room, String user, PresenceEvent event) {
        events.add(new Presence(room, user, event));
    }

    @Override
    public void onError(String code, String message) {
        events.add(new Error(code, message));
    }

    @Override
    public void onRefreshed(Instant expiresAt) {
        events.add(new Refreshed(expiresAt));
    }

    @Override
    public void onStateChange(ClientState from, ClientState to) {
        events.add(new StateChange(from, to));
    }

    @Override
    public void onClosed(int code, String reason) {
        events.add(new Closed(code, reason));
    }

    @Override
    public void onReconnecting(int attempt, Duration delay) {
        events.add(new Reconnecting(attempt, delay));
    }
}
