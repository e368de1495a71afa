package dev.portcullis.config;

import dev.portcullis.limit.RateSpec;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
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
    /** Where every option's variable starts; any other variable with it is a misspelling or a leftover. */
    static final String ENV_PREFIX = "PORTCULLIS_";
    /**
     * {@value #ENV_PREFIX} variables that are not options but are read by the example client
     * ({@code PORTCULLIS_PASSWORD}) and the test suite, so they are not warned about.
     */
    static final Set<String> NON_OPTION_ENV = Set.of("PORTCULLIS_PASSWORD", "PORTCULLIS_REQUIRE_REDIS",
            "PORTCULLIS_REQUIRE_BROWSER");

    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = Objects.requireNonNull(env);
    }

    /**
     * Resolves every option. A bad value is blamed on the place that gave it: the flag, the environment
     * variable, or the config file's key and line.
     */
    public Config load(Map<Option, String> flags) {
        Resolver r = new Resolver(flags, env, readConfigFile(flags));
        try {
            return build(r);
        } catch (IllegalArgumentException e) {
            throw r.blame(e);
        }
    }

    /**
     * One warning for every {@value #ENV_PREFIX} variable that names no option, with the nearest option's
     * variable: a misspelt variable would otherwise be ignored without a word.
     */
    public List<String> unknownEnvironment() {
        List<String> names = Arrays.stream(Option.values()).map(Option::envName).toList();
        List<String> warnings = new ArrayList<>();
        env.keySet().stream().sorted().forEach(name -> {
            if (name.startsWith(ENV_PREFIX) && !names.contains(name) && !NON_OPTION_ENV.contains(name)) {
                warnings.add("environment variable " + name + " is not an option and is ignored"
                        + Suggest.hint(name, names) + " (see --help for every PORTCULLIS_ variable)");
            }
        });
        return warnings;
    }

    private static Config build(Resolver r) {
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

    /** A rooms file that is not there is a mistake in the configuration, not a failure to start. */
    private static RoomConfig rooms(Resolver r) {
        Path rules = r.optional(Option.ROOMS).map(Path::of).orElse(null);
        if (rules != null && !Files.isRegularFile(rules)) {
            throw new IllegalArgumentException(r.source(Option.ROOMS) + ": the rooms file " + rules
                    + (Files.exists(rules) ? " is not a regular file" : " does not exist")
                    + "; create it (README, Rooms) or leave the option out to let --room-default decide");
        }
        return new RoomConfig(
                rules,
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

    private ConfigFile readConfigFile(Map<Option, String> flags) {
        String path = Optional.ofNullable(flags.get(Option.CONFIG)).orElse(env.get(Option.CONFIG.envName()));
        if (path == null || path.isEmpty()) {
            return ConfigFile.NONE;
        }
        String from = flags.containsKey(Option.CONFIG) ? "--config" : Option.CONFIG.envName();
        Properties props = new Properties();
        String text;
        try {
            text = Files.readString(Path.of(path), StandardCharsets.UTF_8);
            try (Reader in = new StringReader(text)) {
                props.load(in);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("the config file " + path + " (from " + from + ") does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the config file " + path + " (from " + from + "): "
                    + e.getMessage());
        }
        ConfigFile file = new ConfigFile(path, props, keyLines(text));
        List<String> keys = Arrays.stream(Option.values()).filter(o -> o != Option.CONFIG).map(Option::key).toList();
        for (String key : props.stringPropertyNames().stream().sorted().toList()) {
            if (!keys.contains(key)) {
                throw new IllegalArgumentException("unknown key '" + key + "' in " + file.where(key)
                        + (key.equals(Option.CONFIG.key()) ? "; a config file cannot name another one"
                        : Suggest.hint(key, keys)));
            }
        }
        return file;
    }

    /** The line each key of a properties text starts on, for messages; continuation lines are skipped. */
    private static Map<String, Integer> keyLines(String text) {
        Map<String, Integer> lines = new HashMap<>();
        String[] all = text.split("\\r\\n|\\r|\\n", -1);
        boolean continued = false;
        for (int i = 0; i < all.length; i++) {
            String line = all[i].stripLeading();
            boolean wasContinued = continued;
            continued = endsWithOddBackslashes(line);
            if (wasContinued || line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                continued = continued && wasContinued;
                continue;
            }
            StringBuilder key = new StringBuilder();
            for (int c = 0; c < line.length(); c++) {
                char ch = line.charAt(c);
                if (ch == '\\' && c + 1 < line.length()) {
                    key.append(line.charAt(++c));
                } else if (ch == '=' || ch == ':' || Character.isWhitespace(ch)) {
                    break;
                } else {
                    key.append(ch);
                }
            }
            lines.putIfAbsent(key.toString(), i + 1);
        }
        return lines;
    }

    private static boolean endsWithOddBackslashes(String line) {
        int n = 0;
        for (int c = line.length() - 1; c >= 0 && line.charAt(c) == '\\'; c--) {
            n++;
        }
        return n % 2 == 1;
    }

    /** The properties file's values, and where each key was written. */
    private record ConfigFile(String path, Properties values, Map<String, Integer> lines) {
        static final ConfigFile NONE = new ConfigFile(null, new Properties(), Map.of());

        String where(String key) {
            Integer line = lines.get(key);
            return "config file " + path + (line == null ? "" : ", line " + line);
        }
    }

    /** One lookup chain per option; errors name the place the failing value came from. */
    private record Resolver(Map<Option, String> flags, Map<String, String> env, ConfigFile file) {
        Optional<String> optional(Option o) {
            String v = flags.get(o);
            if (v == null) {
                v = env.get(o.envName());
            }
            if (v == null) {
                v = file.values().getProperty(o.key());
            }
            if (v == null) {
                return o.defaultValue();
            }
            return Optional.of(v.strip());
        }

        /** The flag, environment variable or config file key and line that gave the option its value. */
        String source(Option o) {
            if (flags.containsKey(o)) {
                return "--" + o.key();
            }
            if (env.containsKey(o.envName())) {
                return o.envName();
            }
            if (file.values().getProperty(o.key()) != null) {
                return o.key() + " (" + file.where(o.key()) + ")";
            }
            return "--" + o.key();
        }

        String required(Option o) {
            return optional(o).orElseThrow(() -> new IllegalArgumentException("--" + o.key() + " is required"));
        }

        <T> T parsed(Option o, Function<String, T> parser) {
            try {
                return parser.apply(required(o));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source(o) + ": " + e.getMessage(), e);
            }
        }

        /**
         * The configuration records check their values by flag name ({@code --ws-port must be ...}); when the
         * value came from elsewhere, the message is made to name that place instead.
         */
        IllegalArgumentException blame(IllegalArgumentException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            Option named = null;
            for (Option o : Option.values()) {
                String flag = "--" + o.key();
                boolean whole = message.length() == flag.length()
                        || (message.length() > flag.length() && !isKeyChar(message.charAt(flag.length())));
                if (message.startsWith(flag) && whole && (named == null || o.key().length() > named.key().length())) {
                    named = o;
                }
            }
            if (named == null || source(named).equals("--" + named.key())) {
                return e;
            }
            return new IllegalArgumentException(source(named) + message.substring(named.key().length() + 2), e);
        }

        private static boolean isKeyChar(char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        }
    }
}
