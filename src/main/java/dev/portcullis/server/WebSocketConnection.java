package dev.portcullis.server;

import dev.portcullis.session.Connection;
import java.net.InetSocketAddress;
import org.java_websocket.WebSocket;
import org.java_websocket.exceptions.WebsocketNotConnectedException;

/** A {@link Connection} backed by a Java-WebSocket socket. */
final class WebSocketConnection implements Connection {
    private final WebSocket socket;
    /** Captured at open: the library forgets the address once the socket is closed. */
    private final String remote;

    WebSocketConnection(WebSocket socket) {
        this.socket = socket;
        this.remote = format(socket.getRemoteSocketAddress());
    }

    @Override
    public void send(String text) {
        try {
            socket.send(text);
        } catch (WebsocketNotConnectedException e) {
            // The peer went away while we answered; its close callback cleans up.
        }
    }

    @Override
    public void close(int code, String reason) {
        socket.close(code, reason);
    }

    @Override
    public String remoteAddress() {
        return remote;
    }

    static String format(InetSocketAddress address) {
        if (address == null) {
            return "unknown";
        }
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
