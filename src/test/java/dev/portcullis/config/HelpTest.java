package dev.portcullis.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Tests that the --help text documents every option, its environment variable and its default. */
@DisplayName("Help")
class HelpTest {

    @Test
    @DisplayName("The help text lists the flag and environment variable of every option")
    void listsEveryOption() {
        String help = Help.text();
        for (Option o : Option.values()) {
            assertTrue(help.contains("--" + o.key() + " " + o.metavar()), "missing --" + o.key());
            assertTrue(help.contains("env " + o.envName() + "\n"), "missing " + o.envName());
        }
    }

    @Test
    @DisplayName("The help text shows the built-in defaults, the subcommands and --help itself")
    void showsDefaultsAndCommands() {
        String help = Help.text();
        assertTrue(help.contains("Default: 127.0.0.1."), help);
        assertTrue(help.contains("Default: 8080."), help);
        assertTrue(help.contains("Default: 64KiB."), help);
        for (String command : CommandLine.COMMANDS) {
            assertTrue(help.contains(command), "missing command " + command);
        }
        assertTrue(help.contains("--help"), help);
        assertTrue(help.contains("PORTCULLIS_WS_PORT"), help);
    }
}
