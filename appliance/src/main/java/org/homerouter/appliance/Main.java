package org.homerouter.appliance;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The appliance's command line: {@code java -jar appliance.jar <command>}. */
// INHERIT: every command, also one added later, takes --help (and --version) itself. Leaf commands
// without it answered "user add --help" with "Missing required parameter" and "user list --help"
// with "Unknown option".
@Command(name = "appliance", mixinStandardHelpOptions = true, versionProvider = Version.class,
        scope = CommandLine.ScopeType.INHERIT,
        description = "HomeRouter PPTP appliance: VPN server, passthrough ALG and config UI.",
        subcommands = {RunCommand.class, StatusCommand.class, UserCommand.class, ConfigCommand.class, DialCommand.class,
                DialOutCommand.class, PassthroughCommand.class, AdminCommand.class, Main.Help.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        JournalLogging.useIfJournal(args.length == 0 ? null : args[0], System.getenv("JOURNAL_STREAM"));
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("dial") || args[0].equals("passthrough"))) {
            // Admin commands print their own results; the service's progress log would only clutter them.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with its errors in one line each: bad input (exit 2), and a file or the
     * database that cannot be read or written (exit 1), which is the owner's to act on, not a bug.
     * {@value #DEBUG}=1 in the environment adds the stack trace.
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String problem = e instanceof IllegalArgumentException ? e.getMessage() : CliProblem.describe(e);
            if (problem == null) {
                throw e; // a bug: its stack trace is the report
            }
            cmd.getErr().println("error: " + problem);
            if (System.getenv(DEBUG) != null) {
                e.printStackTrace(cmd.getErr());
            }
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        CommandLine.IParameterExceptionHandler usual = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, args) -> {
            // "dialout --password S3cret", as most tools take it: picocli's "Unmatched argument ...
            // 'S3cret'" printed the password back on the screen (and into a terminal's scrollback).
            if (ex instanceof CommandLine.UnmatchedArgumentException u && valueAfterPassword(args, u.getUnmatched())) {
                ex.getCommandLine().getErr().println("error: --password takes no value: it asks for the password, or"
                        + " reads one line of standard input with --password-stdin. What followed it is not shown; if it"
                        + " was the password, it is now in your shell's history: change it.");
                return 2;
            }
            return usual.handleParseException(ex, args);
        });
        return cl;
    }

    /** Whether an argument right after {@code --password} is among those picocli could not match. */
    static boolean valueAfterPassword(String[] args, java.util.List<String> unmatched) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--password") && unmatched.contains(args[i + 1])) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code help [COMMAND...]}: the usage of a command at any depth. picocli's own help command
     * takes one name, and "help user add" showed the usage of {@code user}.
     */
    @Command(name = "help", helpCommand = true, description = "Show the usage of a command, e.g. help user add.")
    static final class Help implements CommandLine.IHelpCommandInitializable2, Runnable {
        @CommandLine.Parameters(paramLabel = "COMMAND", arity = "0..*",
                description = "The command and its subcommands, e.g. user add.")
        java.util.List<String> path = new java.util.ArrayList<>();

        private CommandLine self;
        private CommandLine.Help.ColorScheme colors;
        private java.io.PrintWriter out;

        @Override
        public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, java.io.PrintWriter out,
                java.io.PrintWriter err) {
            this.self = helpCommandLine;
            this.colors = colorScheme;
            this.out = out;
        }

        @Override
        public void run() {
            CommandLine target = self.getParent();
            for (int i = 0; i < path.size(); i++) {
                CommandLine sub = target.getSubcommands().get(path.get(i));
                if (sub == null) {
                    throw new IllegalArgumentException("no command \"" + String.join(" ", path.subList(0, i + 1))
                            + "\": \"help" + path.subList(0, i).stream().map(w -> " " + w).collect(
                                    java.util.stream.Collectors.joining()) + "\" lists the commands");
                }
                target = sub;
            }
            target.usage(out, colors);
        }
    }

    /** Set in the environment, an admin command's error is followed by its stack trace. */
    static final String DEBUG = "HOMEROUTER_DEBUG";
}
