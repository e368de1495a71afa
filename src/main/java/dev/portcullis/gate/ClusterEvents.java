package dev.portcullis.gate;

import dev.portcullis.cluster.RoomEvent;
import dev.portcullis.cluster.StateListener;
import dev.portcullis.room.RoomService;

/**
 * Where the shared state's news lands on this instance: room events go to the local members, a
 * revocation or a block made anywhere in the cluster closes the affected connections held here.
 */
public final class ClusterEvents implements StateListener {
    private final RoomService rooms;
    private final SessionLifecycle lifecycle;
    private final AbuseGuard abuse;

    public ClusterEvents(RoomService rooms, SessionLifecycle lifecycle, AbuseGuard abuse) {
        this.rooms = rooms;
        this.lifecycle = lifecycle;
        this.abuse = abuse;
    }

    @Override
    public void roomEvent(RoomEvent event) {
        rooms.deliver(event);
    }

    @Override
    public void revoked(String user) {
        lifecycle.revoked(user);
    }

    @Override
    public void blocked(String user) {
        abuse.closeBlocked(user);
    }
}
