package org.homerouter.appliance;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The appliance's command line: {@code java -jar appliance.jar <command>}. */
@Command(name = "appliance", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "HomeRouter PPTP appliance: VPN server, passthrough ALG and config UI.",
        subcommands = {RunCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
