package dev.portcullis.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests how CommandLine.parse splits arguments into a subcommand, positionals, flags, roles and --help. */
@DisplayName("CommandLine.parse")
class CommandLineTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--ws-port --bind x", "--users --help", "--users -h"})
    @DisplayName("An option never takes the next option as its value")
    void optionIsNotAValue(String line) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(line.split(" ")));
        assertTrue(e.getMessage().contains("needs a value"), e.getMessage());
    }

    @Test
    @DisplayName("An option and its value may be given as two arguments or joined with an equals sign")
    void acceptsSpaceAndEqualsForms() {
        CommandLine spaced = CommandLine.parse("--ws-port", "9000", "--bind", "0.0.0.0");
        CommandLine joined = CommandLine.parse("--ws-port=9000", "--bind=0.0.0.0");
        Map<Option, String> expected = Map.of(Option.WS_PORT, "9000", Option.BIND, "0.0.0.0");
        assertEquals(expected, spaced.flags());
        assertEquals(expected, joined.flags());
    }

    @Test
    @DisplayName("Only the first equals sign separates the option from its value")
    void keepsEqualsSignsInsideTheValue() {
        assertEquals("a=b", CommandLine.parse("--issuer=a=b").flags().get(Option.ISSUER));
    }

    @Test
    @DisplayName("An empty value joined with an equals sign is kept as an empty string")
    void keepsEmptyJoinedValue() {
        assertEquals("", CommandLine.parse("--issuer=").flags().get(Option.ISSUER));
    }

    @Test
    @DisplayName("An unknown option is rejected with a message that names it")
    void rejectsUnknownOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse("--ws-port", "1", "--frobnicate", "yes"));
        assertTrue(e.getMessage().contains("--frobnicate"), e.getMessage());
    }

    @Test
    @DisplayName("An unknown option written with an equals sign is named without its value")
    void rejectsUnknownJoinedOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse("--frobnicate=secret"));
        assertTrue(e.getMessage().contains("--frobnicate"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    @DisplayName("An option at the end without a value is rejected with a message that names it")
    void rejectsMissingValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse("--bind", "::1", "--ws-port"));
        assertTrue(e.getMessage().contains("--ws-port"), e.getMessage());
        assertTrue(e.getMessage().contains("value"), e.getMessage());
    }

    @Test
    @DisplayName("Without a subcommand the command is serve")
    void defaultsToServe() {
        CommandLine cli = CommandLine.parse("--ws-port", "0");
        assertEquals("serve", cli.command());
        assertEquals(List.of(), cli.positionals());
        assertFalse(cli.help());
        assertEquals("serve", CommandLine.parse().command());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"serve", "hash-password", "add-user"})
    @DisplayName("A known subcommand as the first word is recognised as the command")
    void detectsSubcommand(String command) {
        CommandLine cli = CommandLine.parse(command, "--bcrypt-cost", "4");
        assertEquals(command, cli.command());
        assertEquals(List.of(), cli.positionals());
        assertEquals("4", cli.flags().get(Option.BCRYPT_COST));
    }

    @Test
    @DisplayName("The subcommand may follow options, and the words after it are positionals")
    void detectsSubcommandAfterOptions() {
        CommandLine cli = CommandLine.parse("--bcrypt-cost", "4", "add-user", "alice");
        assertEquals("add-user", cli.command());
        assertEquals(List.of("alice"), cli.positionals());
    }

    @Test
    @DisplayName("A subcommand name after the subcommand is a positional, not a second command")
    void secondCommandWordIsPositional() {
        CommandLine cli = CommandLine.parse("add-user", "serve");
        assertEquals("add-user", cli.command());
        assertEquals(List.of("serve"), cli.positionals());
    }

    @Test
    @DisplayName("A subcommand name after a positional is not a command")
    void commandWordAfterPositionalIsPositional() {
        CommandLine cli = CommandLine.parse("alice", "add-user");
        assertEquals("serve", cli.command());
        assertEquals(List.of("alice", "add-user"), cli.positionals());
    }

    @Test
    @DisplayName("--role may be repeated for add-user and keeps the order given")
    void collectsRepeatedRoles() {
        CommandLine cli = CommandLine.parse("add-user", "alice", "--role", "user", "--role=ops", "--role", "admin");
        assertEquals(List.of("user", "ops", "admin"), cli.roles());
        assertEquals(List.of("alice"), cli.positionals());
        assertTrue(cli.flags().isEmpty(), "--role must not be stored as a flag");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"serve", "hash-password"})
    @DisplayName("--role is rejected for every command except add-user")
    void rejectsRoleOutsideAddUser(String command) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse(command, "--role", "ops"));
        assertTrue(e.getMessage().contains("--role"), e.getMessage());
    }

    @Test
    @DisplayName("--role without a subcommand is rejected because the default command is serve")
    void rejectsRoleWithDefaultCommand() {
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse("--role", "ops"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--help", "-h"})
    @DisplayName("--help and -h ask for help without needing a value")
    void detectsHelp(String flag) {
        CommandLine cli = CommandLine.parse("hash-password", flag, "--bcrypt-cost", "4");
        assertTrue(cli.help());
        assertEquals("hash-password", cli.command());
        assertEquals("4", cli.flags().get(Option.BCRYPT_COST));
    }

    @Test
    @DisplayName("The parsed lists and flags cannot be modified afterwards")
    void resultIsImmutable() {
        CommandLine cli = CommandLine.parse("add-user", "alice", "--role", "ops", "--ws-port", "1");
        assertThrows(UnsupportedOperationException.class, () -> cli.flags().put(Option.BIND, "x"));
        assertThrows(UnsupportedOperationException.class, () -> cli.roles().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> cli.positionals().add("x"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--ws-prot 9000", "--ws-prot=9000", "--ws-prot", "--bcrypt-cots 4 add-user alice"})
    @DisplayName("A misspelt option, with or without a value, is refused with the nearest option")
    void misspeltOptionSuggestsNearest(String line) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(line.split(" ")));
        assertTrue(e.getMessage().matches("unknown option --\\S+; did you mean --(ws-port|bcrypt-cost)\\?"), e.getMessage());
    }

    @Test
    @DisplayName("An option nothing like a known one gets no suggestion rather than a wrong one")
    void farOptionGetsNoSuggestion() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CommandLine.parse("--zz", "1"));
        assertEquals("unknown option --zz", e.getMessage());
    }

    @Test
    @DisplayName("A misspelt command is named with the nearest command")
    void unknownCommandSuggestsNearest() {
        assertTrue(CommandLine.unknownCommand("adduser").startsWith("unknown command 'adduser'; did you mean add-user?"));
        assertTrue(CommandLine.unknownCommand("hash-pasword").contains("did you mean hash-password?"));
        assertFalse(CommandLine.unknownCommand("alice").contains("did you mean"));
    }
}
