package dev.portcullis.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.mindrot.jbcrypt.BCrypt;

/**
 * A throw-away data directory for Portcullis: a random secret, one user with a bcrypt cost-10 hash, the
 * audit log. Also decides which options the harness overrides: Portcullis runs on its production
 * defaults except limits that would throttle the load itself, and those are printed with the results.
 */
final class PortcullisHome implements AutoCloseable {
    static final int BCRYPT_COST = 10;
    /**
     * Limits that would throttle the load generator itself, which talks from one address (127.0.0.1) as one
     * user: set to {@code off} when this Portcullis has them, and printed with every result. Everything else
     * stays at its production default.
     */
    static final Map<String, String> THROTTLES = orderedMap(
            // one user sends every fan-out and probe message: 10/s would be the whole benchmark
            "rate-limit", "off",
            // thousands of connects per second from one address
            "ip-connect-rate", "off",
            // slowloris holds 10,000 unauthenticated connections from one address, as 10,000 addresses would
            "max-pending-per-ip", "off",
            // every slowloris auth timeout counts as a failed auth: 10 would ban 127.0.0.1, probe included
            "ip-auth-failures", "off",
            // idle and slowloris hold 10,000 connections plus the probe; the default cap is 10,000
            "max-connections", "off",
            // slowloris's 10,000 idle connections must stay, not displace each other
            "max-pending-connections", "off",
            // the probe and the harness's own logins come from 127.0.0.1 at once
            "http-max-requests-per-ip", "off",
            // not a throttle: the harness's user is hashed at this cost, and at any other the server would
            // make every login cost the higher one and re-hash the user at its first login
            "bcrypt-cost", String.valueOf(BCRYPT_COST));
    /** Every option the harness was written against; anything else in --help is reported as unknown. */
    static final Set<String> KNOWN = Set.of("config", "bind", "ws-port", "http-port", "data-dir", "users",
            "jwt-secret-file", "issuer", "token-ttl", "clock-leeway", "auth-modes", "ticket-ttl", "expiry-warning",
            "revalidate-interval", "fernet-keys", "fernet-ttl", "auth-timeout", "handshake-timeout", "allowed-origins", "allow-missing-origin",
            "tls-keystore", "tls-keystore-password", "max-message-bytes", "max-outbound-bytes", "memory-budget", "close-timeout", "ping-interval", "rooms", "room-default",
            "max-rooms-per-connection", "rate-limit", "block-after", "block-window", "block-duration",
            "ip-connect-rate", "max-pending-per-ip", "ip-auth-failures", "ip-ban-duration", "ipv4-prefix", "ipv6-prefix", "trust-forwarded-for",
            "login-failures-per-user", "login-failures-per-ip", "max-connections", "max-pending-connections", "login-threads", "login-queue",
            "bcrypt-cost", "audit-log", "log-level", "http-request-timeout", "http-threads", "http-max-requests-per-ip",
            "allowed-hosts",
            // unset, as in production on one machine: the benchmarks measure a single instance
            "redis-url");
    private static final Pattern OPTION = Pattern.compile("^  --([a-z0-9-]+) ", Pattern.MULTILINE);

    private final Path dir;
    private final String password;

    private PortcullisHome(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    static PortcullisHome create() {
        try {
            Path dir = Files.createTempDirectory("portcullis-bench", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            SecureRandom random = new SecureRandom();
            byte[] key = new byte[48];
            random.nextBytes(key);
            Path secret = dir.resolve("jwt-secret");
            Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(secret, Base64.getEncoder().encodeToString(key) + "\n");
            byte[] pw = new byte[18];
            random.nextBytes(pw);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(pw);
            ObjectMapper json = new ObjectMapper();
            ObjectNode users = json.createObjectNode();
            ObjectNode user = users.putArray("users").addObject();
            user.put("username", Bench.USER);
            user.put("password_hash", BCrypt.hashpw(password, BCrypt.gensalt(BCRYPT_COST)));
            user.putArray("roles").add("user");
            Files.writeString(dir.resolve("users.json"), json.writeValueAsString(users), StandardCharsets.UTF_8);
            return new PortcullisHome(dir, password);
        } catch (IOException e) {
            throw new BenchException("cannot create the Portcullis data directory: " + e.getMessage(), e);
        }
    }

    String password() {
        return password;
    }

    /** The server's arguments: this data directory, ephemeral ports, then {@code overrides}. */
    List<String> args(Map<String, String> overrides) {
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.toString(), "--ws-port", "0", "--http-port", "0"));
        overrides.forEach((k, v) -> {
            args.add("--" + k);
            args.add(v);
        });
        return args;
    }

    /** Option names in a Portcullis {@code --help} text. */
    static Set<String> optionsIn(String help) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = OPTION.matcher(help);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The throttles this Portcullis has, each set to {@code off}, then what the user asked for. */
    static Map<String, String> overrides(Set<String> available, Map<String, String> requested) {
        Map<String, String> o = new LinkedHashMap<>();
        THROTTLES.forEach((name, value) -> {
            if (available.contains(name)) {
                o.put(name, value);
            }
        });
        o.putAll(requested);
        return o;
    }

    private static Map<String, String> orderedMap(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("bench: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
