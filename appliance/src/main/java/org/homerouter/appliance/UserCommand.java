package org.homerouter.appliance;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.pptp.auth.NtPasswordHash;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code user add|list|remove|passwd}: manage dial-in accounts without the UI. */
@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage VPN dial-in accounts.",
        subcommands = {UserCommand.Add.class, UserCommand.ListUsers.class, UserCommand.Remove.class,
                UserCommand.Passwd.class, UserCommand.Subnets.class})
final class UserCommand {
    // The command line changes the database only; the running service's sessions are its own.
    static final String CONNECTED_STAY = "; a session already connected stays up until it ends: disconnect it on the"
            + " Dashboard (the web UI's Users page does that by itself)";

    /** The shortest password of an account of this router's: the Users page's rule. */
    static final int MIN_PASSWORD_CHARS = 8;

    /** Printable ASCII without space, quote or backslash: safe in every client's dialog and in logs. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    abstract static class StoreCommand implements Callable<Integer> {
        @Option(names = "--data-dir", description = CliDatabase.DESCRIPTION)
        Path dataDir;

        ApplianceStore open() throws Exception {
            return CliDatabase.open(dataDir, startsConfiguration());
        }

        /** Whether this command may make the first database of a router set up before its first run. */
        boolean startsConfiguration() {
            return false;
        }

        static String checkName(String name) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("a user name is 1 to 64 of A-Z a-z 0-9 . _ @ -");
            }
            return name;
        }

        /**
         * A name with no account is the owner's input to correct, as a mistyped option is: an
         * "error:" line and exit 2 (it was a bare line and exit 1, the exit of a failing database).
         * Names are matched exactly; one differing only in case is named.
         */
        static IllegalArgumentException noUser(ApplianceStore store, String name) throws Exception {
            return new IllegalArgumentException("no user " + name + store.takenName(name)
                    .filter(stored -> !stored.equals(name)).map(stored -> " (there is " + stored + ": names are"
                            + " matched with their case)").orElse(""));
        }
    }

    /** A command that sets a password; the others' help does not offer --password-stdin. */
    abstract static class PasswordCommand extends StoreCommand {
        @Option(names = "--password-stdin", description = "Read the password from standard input (one line, UTF-8) instead of prompting.")
        boolean passwordStdin;

        /**
         * The new password: prompted twice on a terminal, or one line of stdin. Never from argv (ps
         * shows argv). At least {@code minChars}, at most MS-CHAPv2's 256 (RFC 2759 §8.7).
         */
        char[] readPassword(String name, int minChars) throws Exception {
            char[] pw = ReadPassword.read(passwordStdin, "Password for " + name + ": ", true);
            if (pw.length < minChars || pw.length > NtPasswordHash.MAX_PASSWORD_CHARS) {
                throw new IllegalArgumentException("a password must have " + minChars + " to "
                        + NtPasswordHash.MAX_PASSWORD_CHARS + " characters");
            }
            return pw;
        }
    }

    @Command(name = "add", description = "Add an account (password prompted, or --password-stdin).")
    static final class Add extends PasswordCommand {
        @Parameters(index = "0", description = "User name")
        String name;

        @Option(names = "--disabled", description = "Create the account disabled.")
        boolean disabled;

        @Override
        boolean startsConfiguration() {
            return true;
        }

        @Option(names = "--routed-subnet", paramLabel = "CIDR",
                description = "A network behind this account (a branch office), routed into its tunnel while it is up; repeatable.")
        java.util.List<String> routedSubnets = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            checkName(name);
            String pw;
            try (ApplianceStore store = open()) {
                String routed = RoutedNetworks.checkForUser(store, name, String.join(",", routedSubnets));
                // Said before the password is typed, and again should another add it meanwhile.
                if (store.takenName(name).isPresent()) {
                    throw taken(store);
                }
                pw = new String(readPassword(name, MIN_PASSWORD_CHARS));
                if (!store.addUser(new VpnUser(name, NtPasswordHash.of(pw), StoreUserAccounts.chapSecret(store, pw), !disabled,
                        Optional.empty(), NtPasswordHash.octetWiseOf(pw)), routed, "user " + name + " added from the command line"
                        + (routed.isEmpty() ? "" : ", routing " + routed))) {
                    throw taken(store);
                }
            }
            System.out.println("added " + name + tooLongForPppd(pw));
            return 0;
        }

        /** Bad input like a name with no account (see {@link #noUser}): "error:" and exit 2. */
        private IllegalArgumentException taken(ApplianceStore store) throws Exception {
            String stored = store.takenName(name).orElse(name);
            return new IllegalArgumentException(stored.equals(name) ? "user " + name + " already exists"
                    : "a user named " + stored + " already exists (names differ only in case)");
        }
    }

    @Command(name = "list", description = "List the accounts.")
    static final class ListUsers extends StoreCommand {
        @Override
        public Integer call() throws Exception {
            try (ApplianceStore store = open()) {
                java.util.Map<String, String> allRouted = store.allRoutedSubnets(); // one query, not one per account
                for (VpnUser u : store.users()) {
                    String routed = allRouted.getOrDefault(u.name(), "");
                    System.out.printf("%-32s %s%s%s%n", u.name(), u.enabled() ? "enabled" : "disabled",
                            u.staticAddress().map(a -> "  static " + a).orElse(""),
                            routed.isEmpty() ? "" : "  routes " + routed);
                }
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove an account.")
    static final class Remove extends StoreCommand {
        @Parameters(index = "0", description = "User name")
        String name;

        @Override
        public Integer call() throws Exception {
            try (ApplianceStore store = open()) {
                if (!store.removeUser(name, "user " + name + " removed from the command line")) {
                    throw noUser(store, name);
                }
            }
            System.out.println("removed " + name + CONNECTED_STAY);
            return 0;
        }
    }

    @Command(name = "passwd", description = "Set an account's password.")
    static final class Passwd extends PasswordCommand {
        @Parameters(index = "0", description = "User name")
        String name;

        @Override
        public Integer call() throws Exception {
            String pw;
            try (ApplianceStore store = open()) {
                // Before the password is asked for, twice: a mistyped name was said only after both.
                if (store.user(name).isEmpty()) {
                    throw noUser(store, name);
                }
                pw = new String(readPassword(name, MIN_PASSWORD_CHARS));
                if (!store.setUserSecrets(name, NtPasswordHash.of(pw), NtPasswordHash.octetWiseOf(pw).orElse(null),
                        StoreUserAccounts.chapSecret(store, pw).orElse(null),
                        "password of " + name + " changed from the command line")) {
                    throw noUser(store, name); // removed meanwhile
                }
            }
            System.out.println("password of " + name + " changed" + CONNECTED_STAY + tooLongForPppd(pw));
            return 0;
        }
    }

    @Command(name = "subnets", description = "Set the networks behind an account (a branch office); \"\" for none.")
    static final class Subnets extends StoreCommand {
        @Parameters(index = "0", description = "User name")
        String name;

        @Parameters(index = "1", description = "Comma-separated networks, e.g. 10.2.0.0/24,10.3.0.0/16")
        String subnets;

        @Override
        public Integer call() throws Exception {
            try (ApplianceStore store = open()) {
                if (store.user(name).isEmpty()) {
                    throw noUser(store, name);
                }
                String routed = RoutedNetworks.checkForUser(store, name, subnets);
                if (!store.setRoutedSubnets(name, routed, "user " + name + " routes "
                        + (routed.isEmpty() ? "no networks" : routed))) {
                    throw noUser(store, name); // removed meanwhile
                }
                System.out.println(name + " routes " + (routed.isEmpty() ? "no networks" : routed)
                        + " (from its next session)");
            }
            return 0;
        }
    }

    /**
     * The note for a password pppd-based clients cannot use under MS-CHAPv2, on a line of its own:
     * one beyond ASCII and too long for pppd (see NtPasswordHash); a shorter one works from both kinds.
     */
    private static String tooLongForPppd(String password) {
        return NtPasswordHash.tooLongForPppd(password)
                ? System.lineSeparator() + "note: " + NtPasswordHash.TOO_LONG_FOR_PPPD_NOTE : "";
    }
}
