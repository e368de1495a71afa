package dev.portcullis.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that records every callback as a record, so tests can wait for one and read the transcript. */
final class Recorder implements ClientListener {
    sealed interface Event permits Authenticated, Joined, Message, Presence, Error, Refreshed, StateChange, Closed,
            Reconnecting {
    }

    record Authenticated(String user, List<String> roles, Instant expiresAt) implements Event {
    }

    record Joined(String room, List<String> members) implements Event {
    }

    record Message(String room, String from, String payloadJson, String id, long seq, long ts) implements Event {
    }

    record Presence(String room, String user, PresenceEvent event) implements Event {
    }

    record Error(String code, String message) implements Event {
    }

    record Refreshed(Instant expiresAt) implements Event {
    }

    record StateChange(ClientState from, ClientState to) implements Event {
    }

    record Closed(int code, String reason) implements Event {
    }

    record Reconnecting(int attempt, Duration delay) implements Event {
    }

    final List<Event> events = new CopyOnWriteArrayList<>();

    /** The events of one kind, in order. */
    <T extends Event> List<T> all(Class<T> kind) {
        return events.stream().filter(kind::isInstance).map(kind::cast).toList();
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
