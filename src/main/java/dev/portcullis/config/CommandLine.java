package dev.portcullis.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed command line: an optional subcommand, its positional arguments, the {@link Option}s given
 * as flags, and the repeatable {@code --role} of {@code add-user}.
 */
public record CommandLine(String command, List<String> positionals, Map<Option, String> flags,
                          List<String> roles, boolean help) {

    public static final Set<String> COMMANDS = Set.of("serve", "hash-password", "add-user", "gen-secret", "gen-fernet-key");

    public CommandLine {
        positionals = List.copyOf(positionals);
        flags = Collections.unmodifiableMap(new EnumMap<>(flags));
        roles = List.copyOf(roles);
    }

    /** Parses {@code [COMMAND] [ARGS] [--option VALUE | --option=VALUE]...}; rejects what it does not know. */
    public static CommandLine parse(String... args) {
        String command = "serve";
        boolean commandSeen = false;
        List<String> positionals = new ArrayList<>();
        Map<Option, String> flags = new EnumMap<>(Option.class);
        List<String> roles = new ArrayList<>();
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
                continue;
            }
            if (!arg.startsWith("--")) {
                if (!commandSeen && positionals.isEmpty() && COMMANDS.contains(arg)) {
                    command = arg;
                    commandSeen = true;
                } else {
                    positionals.add(arg);
                }
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--") && !args[i + 1].equals("-h")) {
                value = args[++i];
            }
            // Before the value check: a misspelt flag without a value is misspelt first of all.
            if (!name.equals("role") && Option.byKey(name).isEmpty()) {
                throw new IllegalArgumentException("unknown option --" + name
                        + Suggest.nearest(name, flagNames()).map(s -> "; did you mean --" + s + "?").orElse(""));
            }
            if (value == null) {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (name.equals("role")) {
                roles.add(value);
                continue;
            }
            flags.put(Option.byKey(name).orElseThrow(), value);
        }
        if (!roles.isEmpty() && !command.equals("add-user")) {
            throw new IllegalArgumentException("--role only applies to add-user");
        }
        return new CommandLine(command, positionals, flags, roles, help);
    }

    /** What a misspelt command may have meant: {@code adduser} for {@code add-user}. */
    public static String unknownCommand(String word) {
        List<String> commands = COMMANDS.stream().sorted().toList();
        return "unknown command '" + word + "'" + Suggest.hint(word, commands)
                + " (commands: " + String.join(", ", commands) + ")";
    }

    /** Every name that may follow {@code --}, for suggestions. */
    private static List<String> flagNames() {
        List<String> names = new ArrayList<>();
        for (Option o : Option.values()) {
            names.add(o.key());
        }
        names.addAll(List.of("role", "help", "version"));
        return names;
    }
}
