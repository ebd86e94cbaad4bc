package org.homerouter.appliance;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The appliance's command line: {@code java -jar appliance.jar <command>}. */
@Command(name = "appliance", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "HomeRouter PPTP appliance: VPN server, passthrough ALG and config UI.",
        subcommands = {RunCommand.class, StatusCommand.class, UserCommand.class, ConfigCommand.class, DialCommand.class,
                DialOutCommand.class, PassthroughCommand.class, AdminCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
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
        return cl;
    }

    /** Set in the environment, an admin command's error is followed by its stack trace. */
    static final String DEBUG = "HOMEROUTER_DEBUG";
}
