package dev.portcullis;

import dev.portcullis.auth.JwtSecret;
import dev.portcullis.auth.LoginService;
import dev.portcullis.auth.PasswordHasher;
import dev.portcullis.auth.User;
import dev.portcullis.auth.UserStore;
import dev.portcullis.config.CommandLine;
import dev.portcullis.config.Config;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.Help;
import dev.portcullis.config.ListenerConfig;
import dev.portcullis.config.Option;
import dev.portcullis.config.LoginConfig;
import dev.portcullis.crypto.FernetKey;
import dev.portcullis.server.Portcullis;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The command line: {@code serve} (the default), {@code hash-password} and {@code add-user}. Only the ready
 * line goes to stdout when serving, so scripts can wait for it; everything for humans goes to stderr.
 */
public final class Main {
    /** Process exit codes. */
    public enum Exit {
        OK(0), FAILURE(1), USAGE(2),
        /** An essential part died while serving (sysexits' EX_SOFTWARE): the supervisor should restart us. */
        FATAL(70);

        private final int code;

        Exit(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    /** How long a failed server keeps answering /healthz with 503 before it exits. */
    private static final long FAILED_LINGER_MILLIS = 1000;
    /** How long a failed server is given to close its connections before the process exits anyway. */
    private static final long FAILED_STOP_MILLIS = 5000;

    private final Map<String, String> env;
    private final InputStream in;
    private final Console console;
    private final PrintStream out;
    private final PrintStream err;

    public Main(Map<String, String> env, InputStream in, Console console, PrintStream out, PrintStream err) {
        this.env = env;
        this.in = in;
        this.console = console;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        Exit exit = new Main(System.getenv(), System.in, System.console(), System.out, System.err).run(args);
        System.exit(exit.code());
    }

    /** Runs one command to completion; for {@code serve}, until the process is asked to stop. */
    public Exit run(String... args) {
        CommandLine cli;
        Config config;
        try {
            if (args.length == 1 && args[0].equals("--version")) {
                String version = Main.class.getPackage().getImplementationVersion();
                out.println("portcullis " + (version == null ? "(development build)" : version));
                return Exit.OK;
            }
            cli = CommandLine.parse(args);
            if (cli.help()) {
                out.print(Help.text());
                return Exit.OK;
            }
            ConfigLoader loader = new ConfigLoader(env);
            // Before loading: a misspelt variable may be why a value is missing or wrong.
            loader.unknownEnvironment().forEach(w -> err.println("portcullis: warning: " + w));
            config = loader.load(cli.flags());
        } catch (IllegalArgumentException e) {
            err.println("portcullis: " + e.getMessage());
            err.println("Run with --help for the list of options.");
            return Exit.USAGE;
        }
        configureLogging(config.logLevel());
        try {
            return switch (cli.command()) {
                case "hash-password" -> hashPassword(cli, config.logins());
                case "add-user" -> addUser(cli, config.logins());
                case "gen-secret" -> {
                    out.println(JwtSecret.generateText(new SecureRandom()));
                    yield Exit.OK;
                }
                case "gen-fernet-key" -> {
                    out.println(FernetKey.generate(new SecureRandom()));
                    yield Exit.OK;
                }
                default -> serve(cli, config);
            };
        } catch (IllegalArgumentException e) {
            err.println("portcullis: " + e.getMessage());
            return Exit.USAGE;
        } catch (IOException e) {
            err.println("portcullis: " + describe(e));
            return Exit.FAILURE;
        }
    }

    /**
     * The JDK's file exceptions carry only the path as their message ({@code portcullis: nope.json}); this
     * adds what is wrong with it.
     */
    static String describe(IOException e) {
        if (!(e instanceof FileSystemException f) || f.getReason() != null || f.getFile() == null) {
            return e.getMessage();
        }
        String what = e instanceof NoSuchFileException ? "does not exist"
                : e instanceof AccessDeniedException ? "permission denied for the user running portcullis"
                : e instanceof FileAlreadyExistsException ? "already exists, where a directory or a new file was needed"
                : e instanceof NotDirectoryException ? "is not a directory"
                : "cannot be used (" + e.getClass().getSimpleName() + ")";
        return f.getFile() + ": " + what + "; check the option that names it (see --help)";
    }

    private Exit serve(CommandLine cli, Config config) throws IOException {
        if (!cli.positionals().isEmpty()) {
            throw new IllegalArgumentException(CommandLine.unknownCommand(cli.positionals().get(0)));
        }
        // Checked before starting, because the WebSocket library reports a taken port with a stack trace.
        String taken = takenPort(config.listeners());
        if (taken != null) {
            err.println("portcullis: " + taken);
            return Exit.FAILURE;
        }
        Portcullis server;
        try {
            server = Portcullis.start(config, Clock.systemUTC(), new SecureRandom(), err);
        } catch (IOException e) {
            // Taken between the check and the start: say which port, as above, rather than the bare message.
            String now = hasCause(e, BindException.class) ? takenPort(config.listeners()) : null;
            if (now == null) {
                throw e;
            }
            err.println("portcullis: " + now);
            return Exit.FAILURE;
        }
        Thread shutdown = new Thread(() -> {
            // SIGTERM and SIGINT: close every connection with 1001, flush the audit log, then exit 0 rather
            // than the JVM's 143, because a requested stop that went well is a success.
            server.close();
            Runtime.getRuntime().halt(Exit.OK.code());
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        // A thread that dies of an Error (OutOfMemoryError above all) leaves the server half alive.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof Error) {
                server.liveness().fail("thread " + thread.getName() + " died", e);
            } else {
                LoggerFactory.getLogger(Main.class).error("uncaught exception in thread {}", thread.getName(), e);
            }
        });
        out.println(server.readyLine());
        out.flush();
        try {
            server.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (server.liveness().failure().isEmpty()) {
            return Exit.OK;
        }
        Runtime.getRuntime().removeShutdownHook(shutdown);
        stopAfterFailure(server);
        return Exit.FATAL;
    }

    /**
     * Leaves /healthz answering 503 for {@link #FAILED_LINGER_MILLIS}, so a load balancer sees the failure and
     * not only a port gone dark, then stops what still runs; a server out of memory may hang on the way,
     * so that is bounded too.
     */
    private void stopAfterFailure(Portcullis server) {
        err.println("portcullis: " + server.liveness().failure().orElseThrow() + "; exiting with status "
                + Exit.FATAL.code());
        Thread stop = new Thread(() -> {
            try {
                Thread.sleep(FAILED_LINGER_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.close();
        }, "stop-after-failure");
        stop.setDaemon(true);
        stop.start();
        try {
            stop.join(FAILED_LINGER_MILLIS + FAILED_STOP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Which of the two listener ports another process holds, as a message saying what to do, or null. */
    private static String takenPort(ListenerConfig listeners) {
        for (Option option : List.of(Option.WS_PORT, Option.HTTP_PORT)) {
            int port = option == Option.WS_PORT ? listeners.wsPort() : listeners.httpPort();
            if (port != 0 && !canBind(listeners.bind(), port)) {
                return "port " + port + " on " + listeners.bind() + " (--" + option.key() + ", env " + option.envName()
                        + ") is already in use; stop what holds it, or pick another with --" + option.key()
                        + " PORT (0 picks a free one)";
            }
        }
        return null;
    }

    /** Binds the way the listeners do (address reuse on), so a port left in TIME_WAIT does not count as taken. */
    private static boolean canBind(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private Exit hashPassword(CommandLine cli, LoginConfig logins) throws IOException {
        if (!cli.positionals().isEmpty()) {
            throw new IllegalArgumentException("hash-password takes no arguments; it reads the password from stdin");
        }
        String password = readPassword();
        out.println(new PasswordHasher(new SecureRandom()).hash(password, logins.bcryptCost()));
        return Exit.OK;
    }

    private Exit addUser(CommandLine cli, LoginConfig logins) throws IOException {
        if (cli.positionals().size() != 1) {
            throw new IllegalArgumentException("usage: add-user NAME [--role ROLE]... (the password is read from stdin)");
        }
        String name = cli.positionals().get(0);
        List<String> roles = cli.roles().isEmpty() ? List.of("user") : cli.roles();
        String password = readPassword();
        User user = new User(name, new PasswordHasher(new SecureRandom()).hash(password, logins.bcryptCost()), roles);
        Map<String, User> users = UserStore.readIfExists(logins.usersFile());
        boolean existed = users.put(name, user) != null;
        UserStore.write(logins.usersFile(), users.values());
        err.println((existed ? "updated" : "added") + " user '" + name + "' with roles " + roles + " in " + logins.usersFile());
        return Exit.OK;
    }

    /** From the terminal (asked twice, not echoed) or else the first line of stdin. */
    private String readPassword() throws IOException {
        String password;
        if (console != null) {
            char[] first = console.readPassword("Password: ");
            char[] second = console.readPassword("Repeat password: ");
            if (first == null || second == null || !Arrays.equals(first, second)) {
                throw new IllegalArgumentException("the passwords did not match");
            }
            password = new String(first);
            Arrays.fill(first, '\0');
            Arrays.fill(second, '\0');
        } else {
            password = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        }
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("empty password");
        }
        if (password.codePointCount(0, password.length()) < LoginConfig.MIN_PASSWORD_CHARS) {
            throw new IllegalArgumentException("the password is shorter than " + LoginConfig.MIN_PASSWORD_CHARS
                    + " characters; choose a longer one (a few words make a good passphrase)");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > LoginService.MAX_PASSWORD_BYTES) {
            throw new IllegalArgumentException("password is longer than " + LoginService.MAX_PASSWORD_BYTES
                    + " bytes; bcrypt would ignore the rest");
        }
        return password;
    }

    /**
     * slf4j-simple reads its settings once, when the first logger is made, so this runs before anything logs.
     * Java-WebSocket stays at info or above: at debug and trace it prints frame contents, tokens included.
     * Its socket and framing classes are silenced: all they report at error level is a peer's protocol
     * violation, with a stack trace, which would let any client flood the log; the audit log records the
     * resulting close code instead. Its server class is silenced too: the one error it logs that matters,
     * a listener that could not bind or died, is reported with its cause through onError (a message at
     * start, the liveness failure later), and the library's own stack trace would come before that message.
     */
    private static void configureLogging(String level) {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level);
        setIfAbsent("org.slf4j.simpleLogger.log.org.java_websocket",
                List.of("trace", "debug").contains(level) ? "info" : level);
        setIfAbsent("org.slf4j.simpleLogger.log.org.java_websocket.WebSocketImpl", "off");
        setIfAbsent("org.slf4j.simpleLogger.log.org.java_websocket.drafts", "off");
        setIfAbsent("org.slf4j.simpleLogger.log.org.java_websocket.server.WebSocketServer", "off");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
