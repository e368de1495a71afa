package dev.portcullis.cluster;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where Redis is, from {@code redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]} ({@code rediss://} for TLS).
 * {@link #toString()} and {@link #redacted()} never show the password, so the URL can be logged.
 */
public final class RedisUrl {
    private static final String FORMS = "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or rediss://... for TLS";

    private final boolean tls;
    private final String host;
    private final int port;
    private final int database;
    private final String user;
    private final String password;

    private RedisUrl(boolean tls, String host, int port, int database, String user, String password) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    /** Parses {@code text}; the error names what is wrong without repeating the text, which may hold a password. */
    public static RedisUrl parse(String text) {
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a Redis URL (expected " + FORMS + "); special characters in a"
                    + " password must be percent-encoded");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("a Redis URL starts with redis:// or rediss:// (expected " + FORMS + ")");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("the Redis URL names no host (expected " + FORMS + ")");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("the Redis URL takes no query or fragment (expected " + FORMS + ")");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the Redis URL's port must be 1-65535");
        }
        int database = 0;
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (!path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                database = -1;
            }
            if (database < 0) {
                throw new IllegalArgumentException("the Redis URL's path must be a database number, as in /0");
            }
        }
        String user = null;
        String password = null;
        String userInfo = uri.getUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                // Ambiguous (a user or a password?), and the safe reading would still be a guess.
                throw new IllegalArgumentException("the Redis URL's credentials must be USER:PASSWORD or :PASSWORD");
            }
            user = colon == 0 ? null : userInfo.substring(0, colon);
            password = userInfo.substring(colon + 1);
            if (password.isEmpty()) {
                password = null;
            }
        }
        return new RedisUrl(scheme.equals("rediss"), host, port, database, user, password);
    }

    public boolean tls() {
        return tls;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int database() {
        return database;
    }

    /** The ACL user, or null for the default user. */
    public String user() {
        return user;
    }

    /** The password, or null; for the connection only, never for messages. */
    String password() {
        return password;
    }

    /** The URL with the password replaced by {@code ***}. */
    public String redacted() {
        StringBuilder s = new StringBuilder(tls ? "rediss://" : "redis://");
        if (user != null || password != null) {
            s.append(user == null ? "" : user).append(password == null ? "" : ":***").append('@');
        }
        s.append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port).append('/').append(database);
        return s.toString();
    }

    @Override
    public String toString() {
        return redacted();
    }
}
