package dev.portcullis.config;

import dev.portcullis.limit.RateSpec;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * Resolves every {@link Option} with the precedence flag &gt; environment &gt; properties file &gt; default.
 * The environment is injected so tests never depend on the real one.
 */
public final class ConfigLoader {
    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = Objects.requireNonNull(env);
    }

    public Config load(Map<Option, String> flags) {
        Properties file = readConfigFile(flags);
        Resolver r = new Resolver(flags, env, file);
        Path dataDir = Path.of(r.required(Option.DATA_DIR));
        return new Config(
                listeners(r),
                http(r),
                storage(r, dataDir),
                auth(r, dataDir),
                logins(r, dataDir),
                connections(r),
                rooms(r),
                encryption(r),
                abuse(r),
                r.required(Option.LOG_LEVEL).toLowerCase(Locale.ROOT));
    }

    private static ListenerConfig listeners(Resolver r) {
        return new ListenerConfig(
                r.required(Option.BIND),
                r.parsed(Option.WS_PORT, Values::integer),
                r.parsed(Option.HTTP_PORT, Values::integer),
                r.optional(Option.TLS_KEYSTORE).map(Path::of).orElse(null),
                r.optional(Option.TLS_KEYSTORE_PASSWORD).orElse(null),
                r.parsed(Option.ALLOWED_ORIGINS, Values::list),
                r.parsed(Option.ALLOW_MISSING_ORIGIN, Values::bool));
    }

    private static HttpConfig http(Resolver r) {
        return new HttpConfig(
                r.parsed(Option.HTTP_REQUEST_TIMEOUT, Values::duration),
                r.parsed(Option.HTTP_THREADS, Values::integer),
                r.parsed(Option.HTTP_MAX_REQUESTS_PER_IP, Values::countOrOff),
                r.parsed(Option.ALLOWED_HOSTS, Values::list),
                r.parsed(Option.HTTP_MAX_CONNECTIONS, Values::integer));
    }

    /** An audit log of {@code -} means stderr, held as no file. */
    private static StorageConfig storage(Resolver r, Path dataDir) {
        Optional<String> audit = r.optional(Option.AUDIT_LOG);
        Path auditLog = audit.isEmpty() ? dataDir.resolve("audit.log")
                : audit.get().equals("-") ? null : Path.of(audit.get());
        return new StorageConfig(dataDir, auditLog, r.optional(Option.REDIS_URL).orElse(null));
    }

    private static AuthConfig auth(Resolver r, Path dataDir) {
        Optional<String> secret = r.optional(Option.JWT_SECRET_FILE);
        return new AuthConfig(
                secret.map(Path::of).orElse(dataDir.resolve("jwt-secret")),
                secret.isPresent(),
                r.required(Option.ISSUER),
                r.parsed(Option.TOKEN_TTL, Values::duration),
                r.parsed(Option.CLOCK_LEEWAY, Values::duration),
                r.parsed(Option.AUTH_TIMEOUT, Values::duration),
                r.parsed(Option.AUTH_MODES, text -> {
                    Set<String> modes = new HashSet<>(Values.list(text));
                    modes.add("message");
                    return modes;
                }),
                r.parsed(Option.TICKET_TTL, Values::duration),
                r.parsed(Option.EXPIRY_WARNING, Values::duration),
                r.parsed(Option.REVALIDATE_INTERVAL, Values::duration));
    }

    private static LoginConfig logins(Resolver r, Path dataDir) {
        Optional<String> users = r.optional(Option.USERS);
        return new LoginConfig(
                users.map(Path::of).orElse(dataDir.resolve("users.json")),
                users.isPresent(),
                r.parsed(Option.BCRYPT_COST, Values::integer),
                r.parsed(Option.LOGIN_THREADS, Values::threads),
                r.parsed(Option.LOGIN_QUEUE, Values::integer));
    }

    private static ConnectionConfig connections(Resolver r) {
        return new ConnectionConfig(
                r.parsed(Option.MAX_MESSAGE_BYTES, Values::size),
                r.parsed(Option.MAX_OUTBOUND_BYTES, Values::size),
                r.parsed(Option.MEMORY_BUDGET, Values::memoryBudget),
                r.parsed(Option.HANDSHAKE_TIMEOUT, Values::duration),
                r.parsed(Option.CLOSE_TIMEOUT, Values::duration),
                r.parsed(Option.PING_INTERVAL, Values::duration));
    }

    private static RoomConfig rooms(Resolver r) {
        return new RoomConfig(
                r.optional(Option.ROOMS).map(Path::of).orElse(null),
                r.parsed(Option.ROOM_DEFAULT, ConfigLoader::allowOrDeny),
                r.parsed(Option.MAX_ROOMS_PER_CONNECTION, Values::integer));
    }

    private static EncryptionConfig encryption(Resolver r) {
        return new EncryptionConfig(
                r.parsed(Option.FERNET_KEYS, Values::list),
                r.parsed(Option.FERNET_TTL, Values::duration));
    }

    private static AbuseConfig abuse(Resolver r) {
        int maxConnections = r.parsed(Option.MAX_CONNECTIONS, Values::countOrOff);
        return new AbuseConfig(
                r.parsed(Option.RATE_LIMIT, RateSpec::parse),
                r.parsed(Option.BLOCK_AFTER, Values::countOrOff),
                r.parsed(Option.BLOCK_WINDOW, Values::duration),
                r.parsed(Option.BLOCK_DURATION, Values::duration),
                r.parsed(Option.IP_CONNECT_RATE, RateSpec::parse),
                r.parsed(Option.MAX_PENDING_PER_IP, Values::countOrOff),
                r.parsed(Option.IP_AUTH_FAILURES, RateSpec::parseCount),
                r.parsed(Option.IP_BAN_DURATION, Values::duration),
                r.parsed(Option.TRUST_FORWARDED_FOR, Values::list),
                r.parsed(Option.LOGIN_FAILURES_PER_USER, RateSpec::parseCount),
                r.parsed(Option.LOGIN_FAILURES_PER_IP, RateSpec::parseCount),
                maxConnections,
                r.parsed(Option.MAX_PENDING_CONNECTIONS, text -> text.strip().equalsIgnoreCase("auto")
                        ? AbuseConfig.autoPendingConnections(maxConnections) : Values.countOrOff(text)),
                r.parsed(Option.IPV4_PREFIX, Values::integer),
                r.parsed(Option.IPV6_PREFIX, Values::integer));
    }

    private static boolean allowOrDeny(String text) {
        return switch (text) {
            case "allow" -> true;
            case "deny" -> false;
            default -> throw new IllegalArgumentException("must be 'allow' or 'deny', not '" + text + "'");
        };
    }

    private Properties readConfigFile(Map<Option, String> flags) {
        Properties props = new Properties();
        String path = Optional.ofNullable(flags.get(Option.CONFIG)).orElse(env.get(Option.CONFIG.envName()));
        if (path == null || path.isEmpty()) {
            return props;
        }
        try (Reader in = Files.newBufferedReader(Path.of(path), StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + path + ": " + e.getMessage());
        }
        for (String key : props.stringPropertyNames()) {
            if (Option.byKey(key).isEmpty() || key.equals(Option.CONFIG.key())) {
                throw new IllegalArgumentException("unknown key '" + key + "' in config file " + path);
            }
        }
        return props;
    }

    /** One lookup chain per option; parse errors name the option they belong to. */
    private record Resolver(Map<Option, String> flags, Map<String, String> env, Properties file) {
        Optional<String> optional(Option o) {
            String v = flags.get(o);
            if (v == null) {
                v = env.get(o.envName());
            }
            if (v == null) {
                v = file.getProperty(o.key());
            }
            if (v == null) {
                return o.defaultValue();
            }
            return Optional.of(v.strip());
        }

        String required(Option o) {
            return optional(o).orElseThrow(() -> new IllegalArgumentException("--" + o.key() + " is required"));
        }

        <T> T parsed(Option o, Function<String, T> parser) {
            try {
                return parser.apply(required(o));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--" + o.key() + ": " + e.getMessage(), e);
            }
        }
    }
}
