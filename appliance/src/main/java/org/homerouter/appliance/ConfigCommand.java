package org.homerouter.appliance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.homerouter.appliance.store.ApplianceStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code config export|import}: the configuration as JSON, the same document as the System page's. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Export or import the configuration (JSON).",
        subcommands = {ConfigCommand.Export.class, ConfigCommand.Import.class})
final class ConfigCommand {
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write settings and users as JSON to stdout or a file.",
                    "It signs users in: their NT hashes (which MS-CHAPv2 takes as the passwords), their CHAP secrets"
                            + " (the passwords themselves) while CHAP-MD5 is allowed, and the site-to-site password's"
                            + " NT hash. Keep it as private as the passwords. The admin password is not in it."})
    static final class Export implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = "data", description = "Directory of the SQLite database.")
        Path dataDir;

        @Option(names = {"-o", "--output"}, description = "Write to this file (created owner-only) instead of stdout.")
        Path output;

        @Override
        public Integer call() throws Exception {
            try (ApplianceStore store = ApplianceStore.open(dataDir.resolve("appliance.db"))) {
                String json = ConfigDocument.export(store);
                if (output == null) {
                    System.out.print(json);
                } else {
                    Files.deleteIfExists(output);
                    Files.createFile(output, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(output, json, StandardCharsets.UTF_8);
                    System.out.println("exported to " + output);
                }
                store.logEvent("admin", "configuration exported, with the accounts' password hashes, by the command line"
                        + (output == null ? "" : " to " + output.toAbsolutePath()));
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Replace settings and users with those of an exported JSON file, in one transaction. "
                    + "A running appliance applies it at its next start; importing on the System page applies it at once.")
    static final class Import implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = "data", description = "Directory of the SQLite database.")
        Path dataDir;

        @Parameters(index = "0", description = "The JSON file ('-' for stdin).")
        String file;

        @Override
        public Integer call() throws Exception {
            String json = "-".equals(file) ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file), StandardCharsets.UTF_8);
            ConfigDocument.Parsed doc = ConfigDocument.parse(json);
            try (ApplianceStore store = ApplianceStore.open(dataDir.resolve("appliance.db"))) {
                store.replaceConfiguration(doc.settings(), doc.users(), doc.routedSubnets(),
                        "configuration imported from the command line");
            }
            System.out.println("imported " + doc.settings().size() + " settings and " + doc.users().size() + " users");
            return 0;
        }
    }
}
