package org.homerouter.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code config export|import}: the configuration as JSON, the same document as the System page's. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Export or import the configuration (JSON).",
        subcommands = {ConfigCommand.Export.class, ConfigCommand.Import.class})
final class ConfigCommand {
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write settings and users as JSON to a file, or to stdout when it is not a terminal.",
                    "It signs users in: their NT hashes (which MS-CHAPv2 takes as the passwords), their CHAP secrets"
                            + " (the passwords themselves) while CHAP-MD5 is allowed, and the site-to-site password's"
                            + " NT hash. Keep it as private as the passwords. The admin password is not in it."})
    static final class Export implements Callable<Integer> {
        @Option(names = "--data-dir", description = CliDatabase.DESCRIPTION)
        Path dataDir;

        @Option(names = {"-o", "--output"}, description = "Write to this file (created owner-only) instead of stdout.")
        Path output;

        @Override
        public Integer call() throws Exception {
            if (output == null && onATerminal()) {
                // The hashes sign the accounts in (MS-CHAPv2 takes the NT hash as the password):
                // printed on an SSH session's screen they stay in its scrollback, a terminal
                // multiplexer's log, a shared screen. A backup belongs in a file.
                throw new IllegalArgumentException("the export holds the accounts' password hashes, which sign them in:"
                        + " it is not printed on the terminal; write it to a file (homerouter config export -o FILE,"
                        + " or > FILE), or read it through a pipe (homerouter config export | less)");
            }
            try (ApplianceStore store = CliDatabase.open(dataDir, false)) {
                String json = ConfigDocument.export(store);
                if (output == null) {
                    System.out.print(json);
                    System.out.flush();
                    // PrintStream keeps its write errors to itself: a full disk or a closed pipe
                    // (config export > /mnt/usb/backup.json) left a cut-off backup, exit 0 and
                    // "configuration exported" in the event log, found out only at the restore.
                    if (System.out.checkError()) {
                        throw new IOException("the export could not be written whole to standard output (a full disk,"
                                + " or the pipe closed): the file it went to is not a usable backup; try again with -o FILE");
                    }
                } else {
                    write(output, json);
                    // The count and the database: a backup of the wrong router is noticed now, not at a restore.
                    System.out.println("exported the settings and " + store.users().size() + " users of "
                            + store.file().toAbsolutePath() + " to " + output.toAbsolutePath());
                }
                store.logEvent("admin", "configuration exported, with the accounts' password hashes, by the command line"
                        + (output == null ? "" : " to " + output.toAbsolutePath()));
            }
            return 0;
        }

        /**
         * Whether standard output is a terminal. Java's console answers for input and output
         * together: with input redirected ({@code config export < /dev/null}, a script's loop) it
         * said no, and the hashes were printed on the screen all the same.
         */
        private static boolean onATerminal() {
            return org.homerouter.bridge.ffm.LibC.isatty(1);
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Replace settings and users with those of an exported JSON file, in one transaction. "
                    + "A running appliance takes the accounts at their next login and the settings at its next start"
                    + " or the VPN server page's next save;"
                    + " importing on the System page applies it all at once.")
    static final class Import implements Callable<Integer> {
        @Option(names = "--data-dir", description = CliDatabase.DESCRIPTION)
        Path dataDir;

        @Parameters(index = "0", description = "The JSON file ('-' for stdin).")
        String file;

        @Override
        public Integer call() throws Exception {
            byte[] bytes;
            try {
                bytes = "-".equals(file) ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            } catch (AccessDeniedException e) {
                throw new IOException(denied(file, "read it") + ": give it on standard input instead, which your shell"
                        + " opens as you: homerouter config import - < " + shellWord(file), e);
            }
            String json = text(bytes);
            ConfigDocument.Parsed doc = ConfigDocument.parse(json);
            Path db;
            List<String> weakened;
            String dialOutOff = null;
            String lanMoves = null;
            String lostHoldLeft = null;
            try (ApplianceStore store = CliDatabase.open(dataDir, true)) {
                Map<Setting, String> before = store.settings();
                List<org.homerouter.appliance.store.VpnUser> usersBefore = store.users();
                Map<String, String> routedBefore = store.allRoutedSubnets();
                db = store.file().toAbsolutePath();
                checkLan(doc, before);
                Path lostHold = TunnelOnlyNetworks.lostSettingsHold(db.getParent());
                var lostHeld = org.homerouter.bridge.route.BootHold.read(lostHold);
                lanMoves = ApplianceLan.importMovesTo(doc, before, ApplianceLan.onImage());
                if (lanMoves != null) {
                    // The router image takes the LAN at its next start from a file the service writes
                    // when it starts, which is after the network: written here, or the restart after
                    // this import would keep the old LAN. First, as the LAN page does: written after
                    // the import and failing, the command failed with the import made.
                    try {
                        ApplianceLan.write(db.getParent(), lanMoves);
                    } catch (IOException e) {
                        throw new IOException(ApplianceLan.importNotKept(lanMoves) + " (" + e.getMessage() + ")", e);
                    }
                }
                try {
                    store.replaceConfiguration(doc.settings(), doc.users(), doc.routedSubnets(),
                            "configuration imported from the command line");
                } catch (java.sql.SQLException e) {
                    if (lanMoves != null) {
                        try {
                            ApplianceLan.write(db.getParent(), before.get(Setting.LAN_ADDRESS));
                        } catch (IOException again) {
                            e.addSuppressed(again);
                        }
                    }
                    throw e;
                }
                // The settings lost at a start are restored: what was held for them goes with the
                // service's next hold (as after the System page's import), said below if it lifts any.
                try {
                    Files.deleteIfExists(lostHold);
                } catch (IOException e) {
                    lostHoldLeft = "the holds kept for the lost settings could not be ended (" + e.getMessage()
                            + "): remove " + lostHold + ", or import on the System page";
                }
                // As the System page: a tampered or old backup must not weaken security settings, nor
                // bring back deleted accounts or old passwords, unsaid.
                weakened = WeakerSettings.of(before, usersBefore, routedBefore, doc, lostHeld);
                if (!weakened.isEmpty()) {
                    store.logEvent("config", WeakerSettings.sentence(weakened));
                }
                // Checked as the service will at its start (this is the router, with its LAN): a tunnel
                // it leaves off must not pass for imported as wanted.
                Map<Setting, String> now = store.settings();
                if (Boolean.parseBoolean(now.get(Setting.DIALOUT_ENABLED))) {
                    try {
                        Appliance.dialOutConfig(now);
                    } catch (IllegalArgumentException e) {
                        dialOutOff = e.getMessage();
                    }
                }
            }
            System.out.println("imported " + doc.settings().size() + " settings and " + doc.users().size() + " users into "
                    + db);
            if (!weakened.isEmpty()) {
                System.out.println("Warning: " + WeakerSettings.sentence(weakened));
            }
            Appliance.storedAddressProblems(doc.settings())
                    .ifPresent(p -> System.out.println("Warning: " + p));
            if (lanMoves != null) {
                System.out.println("The LAN moves to " + lanMoves + "/" + ApplianceLan.PREFIX + " when the router"
                        + " restarts: its web UI is then at " + lanMoves + ".");
            }
            if (lostHoldLeft != null) {
                System.out.println("Warning: " + lostHoldLeft);
            }
            if (dialOutOff != null) {
                System.out.println("Warning: the site-to-site tunnel will not start with it: " + dialOutOff
                        + " (correct it on the Site-to-site page, or with the dialout command)");
            }
            System.out.println(RUNNING_SERVICE);
            return 0;
        }

        /**
         * A LAN the document moves this router to, checked as the System page's import checks it (on
         * the router image, where the LAN address applies): the router took it at its next restart,
         * maybe weeks later, and lost the internet (a LAN the ISP's box shares) or its web UI then.
         */
        private static void checkLan(ConfigDocument.Parsed doc, Map<Setting, String> before) {
            String to = ApplianceLan.importMovesTo(doc, before, ApplianceLan.onImage());
            if (to == null) {
                return;
            }
            try {
                ApplianceLan.system(null, null).check(to, doc.settings(), doc.routedSubnets());
            } catch (org.homerouter.webui.api.SettingRefused e) {
                throw new IllegalArgumentException("nothing imported: its LAN address " + to + " cannot be this"
                        + " router's: " + e.getMessage());
            }
        }

        /**
         * The file as text: UTF-8, as exported, with a byte-order mark some editors put first (the
         * System page's upload drops it too). Another encoding is refused by name, not read garbled.
         */
        String text(byte[] bytes) {
            try {
                String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
                return s.startsWith("\uFEFF") ? s.substring(1) : s;
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(("-".equals(file) ? "standard input" : file) + " is not UTF-8 text"
                        + " (an export is): was it saved in another encoding?");
            }
        }
    }

    /**
     * Writes {@code json} to {@code output}, owner-only (it holds the password hashes), through a
     * file beside it renamed over it once complete: the old file was deleted first, so a full disk
     * or a failed write left no backup at all, the old one gone and the new one cut short. Only a
     * regular file is replaced: "-o /dev/null" deleted the device (as root) and left a file there.
     */
    static void write(Path output, String json) throws IOException {
        if (Files.isDirectory(output)) {
            throw new IllegalArgumentException(output + " is a directory: name a file in it");
        }
        if (Files.exists(output) && !Files.isRegularFile(output)) {
            throw new IllegalArgumentException(output + " is not a regular file (a device or a pipe): write the export"
                    + " to standard output instead: homerouter config export > " + shellWord(output.toString()));
        }
        // Through a link, as a shell's redirection writes (a backup path linked to a USB stick):
        // the link itself stays.
        Path absolute = Files.exists(output) ? output.toRealPath() : output.toAbsolutePath();
        Path part;
        try {
            part = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName() + ".", ".part",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (AccessDeniedException e) {
            // The shell's redirection opens the file as whoever typed the command; umask 077 keeps
            // it owner-only, as -o makes it.
            throw new IOException(denied(output.toString(), "write there") + ": write the export to"
                    + " standard output instead, which your shell opens as you: (umask 077; homerouter"
                    + " config export > " + shellWord(output.toString()) + ")", e);
        }
        try {
            WholeFile.replace(part, absolute, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IOException("could not write " + output + " (" + (e.getMessage() != null ? e.getMessage() : e)
                    + "): " + (Files.exists(absolute) ? "the file that was there is unchanged" : "nothing was written"), e);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /**
     * A file the command may not open. On the router the homerouter command runs as the service's
     * user, which cannot enter root's home (0700), where an owner logged in as root keeps a backup:
     * "permission denied" alone left them to guess why their own file was refused.
     */
    static String denied(String file, String what) {
        return "permission denied: " + file + " (on the router, the homerouter command works as the service's user,"
                + " which may not " + what + ")";
    }

    /** {@code s} as one word of a shell command, to be copied as it is printed. */
    static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_./+:@%=-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * What the import means for a service running on that database: this process changes the file
     * only. Logins read the accounts from it each time; the settings are read at the start, and the
     * sessions up now are the service's, which this process cannot reach.
     */
    static final String RESTARTS = "when it restarts (on the router: systemctl restart homerouter, which also ends"
            + " every session)";
    static final String RUNNING_SERVICE = "A running service: logins use the imported accounts at once; its settings"
            + " take effect " + RESTARTS + " or when the VPN server page is saved (which asks first if that"
            + " disconnects anyone). Until then the sessions up now stay connected, also those of accounts removed or given a"
            + " new password. Importing on the System page instead applies it all at once and ends those sessions.";
}
