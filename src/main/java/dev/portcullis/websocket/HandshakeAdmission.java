package dev.portcullis.websocket;

import dev.portcullis.gate.Gatekeeper;
import dev.portcullis.gate.HandshakeCredential;
import dev.portcullis.limit.ForwardedFor;
import dev.portcullis.limit.IpGuard;
import dev.portcullis.metrics.Metrics;
import dev.portcullis.net.OriginPolicy;
import dev.portcullis.net.UpgradeCredentials;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ClientHandshake;

/**
 * Admission at the door: what is decided about a connection from its upgrade request alone, before any
 * 101 or session. It refuses when the server is full, the address is banned, connecting too fast or has
 * too many connections waiting to authenticate, or the Origin is not allowed (protocol.md §1.1, §12.4),
 * and it finds a credential the request carries. Java-WebSocket can only answer a refused handshake with 404,
 * so the right status is written here and the output shut, which makes the library's own 404 fail to send.
 */
final class HandshakeAdmission {
    private final OriginPolicy origins;
    private final IpGuard ips;
    private final ForwardedFor forwardedFor;
    private final int maxConnections;
    private final IntSupplier openSockets;
    private final Set<String> authModes;
    private final Gatekeeper gatekeeper;
    private final Metrics metrics;

    HandshakeAdmission(OriginPolicy origins, IpGuard ips, ForwardedFor forwardedFor, int maxConnections,
                       IntSupplier openSockets, Set<String> authModes, Gatekeeper gatekeeper, Metrics metrics) {
        this.origins = origins;
        this.ips = ips;
        this.forwardedFor = forwardedFor;
        this.maxConnections = maxConnections;
        this.openSockets = openSockets;
        this.authModes = authModes;
        this.gatekeeper = gatekeeper;
        this.metrics = metrics;
    }

    /** Lets the upgrade go on, or answers the refusal and throws to abort it. */
    void admit(CountingSocketFactory.CountingSocket counting, ClientHandshake request) throws InvalidDataException {
        String peer = counting.clientIp;
        if (forwardedFor.trusts(peer) && request.hasFieldValue("X-Forwarded-For")) {
            counting.pendingFor(forwardedFor.clientAddress(peer, request.getFieldValue("X-Forwarded-For")));
        }
        String ip = counting.clientIp;
        String remote = WebSocketConnection.format(counting.getRemoteSocketAddress());
        if (maxConnections > 0 && openSockets.getAsInt() > maxConnections) {
            refuse(counting, remote, 503, "Service Unavailable", "Server full");
        }
        switch (ips.admit(ip)) {
            case BANNED -> refuse(counting, remote, 403, "Forbidden", "Address banned");
            case RATE_LIMITED -> refuse(counting, remote, 429, "Too Many Requests", "Too many connections");
            case TOO_MANY_PENDING -> refuse(counting, remote, 429, "Too Many Requests", "Too many pending connections");
            case NONE -> { }
        }
        String origin = request.hasFieldValue("Origin") ? request.getFieldValue("Origin") : null;
        if (!origins.allows(origin)) {
            gatekeeper.originRejected(remote, origin);
            refuse(counting, remote, 403, "Forbidden", "Origin not allowed");
        }
        if (origin == null && cookie(request) != null) {
            // Cross-site WebSocket hijacking: a browser sends the cookie by itself, so a cookie is only
            // trusted together with an Origin that was checked above.
            gatekeeper.originRejected(remote, null);
            refuse(counting, remote, 403, "Forbidden", "Origin required with a session cookie");
        }
    }

    /**
     * A credential carried by the upgrade request, in the order ticket, token (URL), cookie, as far as the
     * enabled auth modes allow. The request URI is never logged: it may hold exactly these.
     */
    HandshakeCredential credential(ClientHandshake handshake) {
        Map<String, String> query = UpgradeCredentials.query(handshake.getResourceDescriptor());
        if (authModes.contains("ticket") && query.containsKey("ticket")) {
            return new HandshakeCredential(true, query.get("ticket"));
        }
        if (authModes.contains("query-token") && query.containsKey("token")) {
            return new HandshakeCredential(false, query.get("token"));
        }
        String cookie = cookie(handshake);
        return cookie == null ? null : new HandshakeCredential(false, cookie);
    }

    private String cookie(ClientHandshake request) {
        if (!authModes.contains("cookie") || !request.hasFieldValue("Cookie")) {
            return null;
        }
        return UpgradeCredentials.cookie(request.getFieldValue("Cookie"), UpgradeCredentials.SESSION_COOKIE);
    }

    /** Writes a complete plain-text HTTP answer, shuts the output, and aborts the handshake. */
    private void refuse(CountingSocketFactory.CountingSocket socket, String remote, int status, String statusText,
                        String reason) throws InvalidDataException {
        metrics.refused();
        if (status != 403 || !reason.startsWith("Origin")) {
            gatekeeper.refused(remote, status, reason);
        }
        byte[] body = (reason + "\n").getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 " + status + " " + statusText + "\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length + "\r\n" + (status == 429 || status == 503 ? "Retry-After: 1\r\n" : "")
                + "Connection: close\r\n\r\n";
        try {
            socket.getChannel().write(ByteBuffer.wrap((head + reason + "\n").getBytes(StandardCharsets.US_ASCII)));
            ((SocketChannel) socket.getSelectionKey().channel()).shutdownOutput();
        } catch (IOException e) {
            // the peer is gone already
        }
        throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, reason);
    }
}
