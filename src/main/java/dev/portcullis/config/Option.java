package dev.portcullis.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Every configuration option the server and its subcommands understand, with its default and help text.
 * The same name is a flag ({@code --ws-port}), an environment variable ({@code PORTCULLIS_WS_PORT})
 * and a key of the properties file ({@code ws-port}).
 */
public enum Option {
    CONFIG("config", "FILE", null, "Properties file with any of these options (keys without '--')."),
    BIND("bind", "HOST", "127.0.0.1", "Address both listeners bind to. Use 0.0.0.0 to listen on every interface."),
    WS_PORT("ws-port", "PORT", "8080", "WebSocket port; 0 picks a free port."),
    HTTP_PORT("http-port", "PORT", "8081", "HTTP API port; 0 picks a free port."),
    DATA_DIR("data-dir", "DIR", "./data", "Where the generated secret, the default users file and the audit log live."),
    USERS("users", "FILE", null, "Users file (JSON). Default: DATA_DIR/users.json, created with one 'admin' user if missing."),
    JWT_SECRET_FILE("jwt-secret-file", "FILE", null,
            "File whose text (UTF-8, trailing newline ignored, at least 32 bytes) is the HS256 key."
                    + " Default: DATA_DIR/jwt-secret, generated if missing."),
    ISSUER("issuer", "NAME", "portcullis", "JWT 'iss' claim written and required."),
    TOKEN_TTL("token-ttl", "DURATION", "1h", "Lifetime of tokens issued by POST /auth/login."),
    CLOCK_LEEWAY("clock-leeway", "DURATION", "5s", "Clock skew tolerated when checking 'exp' and 'iat' (whole seconds)."),
    AUTH_MODES("auth-modes", "LIST", "message,ticket",
            "How a WebSocket may authenticate: message (always on), ticket, cookie, query-token (legacy, logs a warning)."),
    TICKET_TTL("ticket-ttl", "DURATION", "30s", "Lifetime of a single-use ticket from POST /auth/ticket."),
    EXPIRY_WARNING("expiry-warning", "DURATION", "60s", "How long before its token ends a connection gets 'expiring'."),
    REVALIDATE_INTERVAL("revalidate-interval", "DURATION", "5m",
            "How often every session is re-checked against revocations, blocks and the users file."),
    FERNET_KEYS("fernet-keys", "LIST", "",
            "Fernet keys for payload encryption, comma-separated: the first encrypts, all decrypt. Prefer the env"
                    + " variable or DATA_DIR/fernet.keys (flags show in ps). Empty: encryption is unavailable."),
    FERNET_TTL("fernet-ttl", "DURATION", "5m", "Oldest Fernet token accepted from a client; 0s: no age check."),
    AUTH_TIMEOUT("auth-timeout", "DURATION", "5s", "Time a new WebSocket has to send its auth message."),
    HANDSHAKE_TIMEOUT("handshake-timeout", "DURATION", "5s",
            "Time a new TCP connection has to complete its WebSocket upgrade request (at most 8 KiB)."),
    ALLOWED_ORIGINS("allowed-origins", "LIST", "",
            "Comma-separated browser origins (e.g. https://app.example) allowed to connect and to call the HTTP API;"
                    + " '*' allows any. The server's own HTTP origins (its demo page) always are. Empty: no other."),
    ALLOW_MISSING_ORIGIN("allow-missing-origin", "true|false", "true",
            "Accept clients that send no Origin header (non-browser clients; browsers always send one)."),
    MAX_MESSAGE_BYTES("max-message-bytes", "SIZE", "64KiB", "Largest WebSocket frame accepted; bigger ones close with 1009."),
    MAX_OUTBOUND_BYTES("max-outbound-bytes", "SIZE", "1MiB",
            "Bytes that may wait for a client that stops reading; past it the client is closed with 1008 Slow consumer."),
    MEMORY_BUDGET("memory-budget", "SIZE|auto", "auto",
            "Memory all peers together may make the server hold (queued frames, fragments being reassembled);"
                    + " past it the heaviest are closed with 1013. auto: two fifths of the maximum heap."),
    CLOSE_TIMEOUT("close-timeout", "DURATION", "5s",
            "Time a peer has to answer the server's close frame before the TCP connection is dropped."),
    PING_INTERVAL("ping-interval", "DURATION", "30s",
            "Time between WebSocket pings; a peer that misses pongs for two intervals is dropped."),
    ROOMS("rooms", "FILE", null, "Room rules (JSON): which users and roles may join which rooms or globs."),
    ROOM_DEFAULT("room-default", "allow|deny", "allow", "Whether a room no rule names may be joined by every user."),
    MAX_ROOMS_PER_CONNECTION("max-rooms-per-connection", "N", "100", "Rooms one connection may be in at once."),
    RATE_LIMIT("rate-limit", "SPEC", "bucket:50:10",
            "Messages per user across all its connections: bucket:CAPACITY:PER_SECOND, window:COUNT:SECONDS or off."),
    BLOCK_AFTER("block-after", "N|off", "20",
            "Rate-limit and access-denied violations within --block-window that block the user."),
    BLOCK_WINDOW("block-window", "DURATION", "60s", "Window in which violations are counted."),
    BLOCK_DURATION("block-duration", "DURATION", "1h", "How long an automatic block lasts."),
    IP_CONNECT_RATE("ip-connect-rate", "SPEC", "bucket:20:5",
            "New WebSocket connections per client address (bucket or window spec, or off); past it: HTTP 429."),
    MAX_PENDING_PER_IP("max-pending-per-ip", "N|off", "50",
            "Connections per client address that have not authenticated yet; past it: HTTP 429."),
    IP_AUTH_FAILURES("ip-auth-failures", "COUNT:SECONDS|off", "10:60",
            "Failed auths from one address that ban it for --ip-ban-duration."),
    IP_BAN_DURATION("ip-ban-duration", "DURATION", "15m", "How long an address ban lasts."),
    IPV4_PREFIX("ipv4-prefix", "BITS", "32",
            "Leading bits of an IPv4 address that the per-address limits count as one client (1-32)."),
    IPV6_PREFIX("ipv6-prefix", "BITS", "64",
            "Leading bits of an IPv6 address that the per-address limits count as one client (1-128);"
                    + " 64: one subscriber's usual block."),
    TRUST_FORWARDED_FOR("trust-forwarded-for", "LIST", "",
            "Proxy addresses whose X-Forwarded-For header names the client. Empty: the header is ignored."),
    LOGIN_FAILURES_PER_USER("login-failures-per-user", "COUNT:SECONDS|off", "5:60",
            "Failed logins (logins in progress count) for one username before further tries from the failing"
                    + " addresses get HTTP 429."),
    LOGIN_FAILURES_PER_IP("login-failures-per-ip", "COUNT:SECONDS|off", "20:60",
            "Failed logins (logins in progress count) from one address before it gets HTTP 429."),
    MAX_CONNECTIONS("max-connections", "N|off", "10000", "Open WebSocket connections in all; past it: HTTP 503."),
    MAX_PENDING_CONNECTIONS("max-pending-connections", "N|auto|off", "auto",
            "Connections in all that have not authenticated yet, half-finished handshakes included; past it the"
                    + " oldest of them makes room (1008 Server busy, or TCP closed mid-handshake)."
                    + " auto: a quarter of --max-connections (2500 at its default), off when that is off."),
    HTTP_REQUEST_TIMEOUT("http-request-timeout", "DURATION", "10s",
            "Time an HTTP request has from its first byte to send its headers and body; past it the connection"
                    + " is closed without an answer."),
    HTTP_THREADS("http-threads", "N", "32", "HTTP requests read or handled at once; 4 more per thread may wait."
            + " While some wait, the request arriving longest (250 ms or more) is cut off for them; past the"
            + " waiting ones a new connection is closed."),
    HTTP_MAX_REQUESTS_PER_IP("http-max-requests-per-ip", "N|off", "8",
            "HTTP requests of one client address with their headers in that still hold a handler thread;"
                    + " past it: HTTP 429."),
    HTTP_MAX_CONNECTIONS("http-max-connections", "N", "1000",
            "Open connections to the HTTP API in all, idle ones included; past it a new one is closed at once."),
    ALLOWED_HOSTS("allowed-hosts", "LIST", "",
            "Host names the HTTP API answers to besides its own (those of --bind; on 0.0.0.0: IP addresses and"
                    + " localhost), comma-separated, no port; '*' for any. Other names get HTTP 421."),
    LOGIN_THREADS("login-threads", "N", "auto", "Threads that run bcrypt for logins; auto: one less than the"
            + " cores (at least 1), so a login storm always leaves a core to the open connections."),
    LOGIN_QUEUE("login-queue", "N", "64", "Logins that may wait for a bcrypt thread; beyond that POST /auth/login answers 503."
            + " One address may hold an eighth of threads plus queue (at least 2); addresses are served in turn."),
    BCRYPT_COST("bcrypt-cost", "N", "12", "bcrypt cost (log2 rounds, 4-30) for hash-password and add-user, and the"
            + " least work of any login (the users file's highest cost, if higher, sets it)."),
    AUDIT_LOG("audit-log", "FILE", null, "Audit log, one JSON object per line. Default: DATA_DIR/audit.log; '-' writes to stderr."),
    TLS_KEYSTORE("tls-keystore", "FILE", null,
            "PKCS12 or JKS keystore with the server's key and certificate: serve wss:// and https://."),
    TLS_KEYSTORE_PASSWORD("tls-keystore-password", "PASSWORD", null,
            "Password of --tls-keystore. Prefer the env variable: flags show in ps."),
    REDIS_URL("redis-url", "URL", null,
            "Share rooms, tickets, revocations, blocks and rate limits with other instances through Redis:"
                    + " redis://[:PASSWORD@]HOST:PORT/DB, or rediss:// for TLS. Unset: this instance is on its own."
                    + " Prefer the env variable when it carries a password."),
    LOG_LEVEL("log-level", "LEVEL", "info", "trace, debug, info, warn or error.");

    private final String key;
    private final String metavar;
    private final String defaultValue;
    private final String help;

    Option(String key, String metavar, String defaultValue, String help) {
        this.key = key;
        this.metavar = metavar;
        this.defaultValue = defaultValue;
        this.help = help;
    }

    /** The name as written in a properties file, and after {@code --} on the command line. */
    public String key() {
        return key;
    }

    public String metavar() {
        return metavar;
    }

    /** The built-in default, empty when the default is derived from another option. */
    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    public String help() {
        return help;
    }

    /** {@code PORTCULLIS_} followed by the key in upper case, dashes turned into underscores. */
    public String envName() {
        return "PORTCULLIS_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    public static Optional<Option> byKey(String key) {
        return Arrays.stream(values()).filter(o -> o.key.equals(key)).findFirst();
    }
}
