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
        CommandLine cl = new CommandLine(new Main());
        // Bad input gets one clear line, not a stack trace.
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(cl.execute(args));
    }
}
