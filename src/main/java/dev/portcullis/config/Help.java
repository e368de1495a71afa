package dev.portcullis.config;

import dev.portcullis.auth.LoginService;

/** The text of {@code --help}, generated from {@link Option} so it can never miss an option. */
public final class Help {
    private Help() {
    }

    public static String text() {
        StringBuilder b = new StringBuilder(("""
                Portcullis: a WebSocket server whose gate stays down until a client proves who it is.

                Usage (./run.sh builds target/portcullis.jar if needed and passes everything on to
                java -jar target/portcullis.jar):
                  ./run.sh [serve] [OPTIONS]                              start the server (default)
                  ./run.sh hash-password [OPTIONS]                        read a password from stdin, print its bcrypt hash
                  ./run.sh add-user NAME [--role R]... [OPTIONS]
                                                                          add or replace a user in the users file
                                                                          (password from the terminal or stdin; default role 'user')
                                                                          passwords: at least %d characters, at most %d bytes
                  ./run.sh gen-secret                                     print a fresh 256-bit secret for --jwt-secret-file
                  ./run.sh gen-fernet-key                                 print a fresh Fernet key for --fernet-keys
                  ./run.sh --version                                      print the version

                Options (precedence: flag > environment variable > --config file > default):
                """).formatted(LoginConfig.MIN_PASSWORD_CHARS, LoginService.MAX_PASSWORD_BYTES));
        for (Option o : Option.values()) {
            String flag = "  --" + o.key() + " " + o.metavar();
            b.append(flag).append(" ".repeat(Math.max(1, 32 - flag.length()))).append(o.help());
            o.defaultValue().filter(d -> !d.isEmpty()).ifPresent(d -> b.append(" Default: ").append(d).append('.'));
            b.append('\n').append(" ".repeat(32)).append("env ").append(o.envName()).append('\n');
        }
        b.append("""
                  -h, --help                    show this help

                Durations need a unit: 250ms, 5s, 10m, 1h, 2d (or ISO-8601 PT5S).
                Exit codes: 0 ok, 1 failure to start (e.g. port in use), 2 bad usage or configuration,
                70 an essential part died while serving.
                """);
        return b.toString();
    }
}
