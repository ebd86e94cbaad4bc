package org.homerouter.appliance;

import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.webui.PasswordHasher;
import picocli.CommandLine.Command;

/**
 * {@code admin password}: the way back in for an owner who forgot the web UI's admin password,
 * for whoever has a shell on the router. The running service reads the hash at each login, so the
 * new password works at once; the old one no longer does.
 */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "The web UI's admin password.",
        subcommands = {AdminCommand.Password.class})
final class AdminCommand {
    /** As the first-run setup page: this password guards the whole router. */
    static final int MIN_CHARS = 10;

    private AdminCommand() {
    }

    @Command(name = "password", description = "Set a new admin password for the web UI, e.g. one forgotten (prompted,"
            + " or one line of stdin with --password-stdin).")
    static final class Password extends UserCommand.PasswordCommand {
        @Override
        public Integer call() throws Exception {
            try (ApplianceStore store = open()) {
                // After open: a wrong directory is said before the password is typed.
                // Its own minimum below, not the VPN accounts' 8: one rule, said one way.
                String pw = new String(readPassword("the web UI's admin", 1));
                if (pw.length() < MIN_CHARS) {
                    throw new IllegalArgumentException("use at least " + MIN_CHARS
                            + " characters: this password guards the whole router");
                }
                store.setAdminPasswordHash(new PasswordHasher().hash(pw), "admin password set from the command line");
            }
            System.out.println("admin password set: the web UI's login takes it now, and browsers logged in with the"
                    + " old one must log in again");
            return 0;
        }
    }
}
