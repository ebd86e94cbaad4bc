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

    /** Where the router image installs the service's jar: there is no login there to type a command at. */
    static final java.nio.file.Path IMAGE_JAR = java.nio.file.Path.of("/usr/lib/homerouter/appliance.jar");

    private AdminCommand() {
    }

    /**
     * The command that sets a new admin password for the service whose jar is at {@code codeSource}
     * and whose data is in {@code dataDir}, as typed on that machine: with this JVM's own java (the
     * default one may be too old for the jar) and absolute paths, after {@code sudo} when the
     * service runs as root (for its tunnels), whose database is then root's alone (0600). Empty on
     * the router image. The
     * login page said "homerouter admin password", a command that exists only on the image, where
     * no one can log in to type it.
     */
    static java.util.Optional<String> resetCommand(java.net.URL codeSource, java.nio.file.Path dataDir, boolean sudo) {
        java.nio.file.Path jar;
        try {
            jar = java.nio.file.Path.of(codeSource.toURI()).toAbsolutePath();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            jar = null;
        }
        if (IMAGE_JAR.equals(jar)) {
            return java.util.Optional.empty();
        }
        String javaCommand = ProcessHandle.current().info().command().orElse("java");
        String asRoot = sudo ? "sudo " : "";
        String jarName = jar != null && jar.toString().endsWith(".jar") ? jar.toString() : "appliance.jar";
        return java.util.Optional.of(asRoot + quoted(javaCommand) + " -jar " + quoted(jarName) + " admin password --data-dir "
                + quoted(dataDir.toAbsolutePath().toString()));
    }

    /** A path as a shell takes it, quoted only when it must be. */
    private static String quoted(String path) {
        return path.matches("[A-Za-z0-9_./+:=@-]+") ? path : "'" + path.replace("'", "'\\''") + "'";
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
