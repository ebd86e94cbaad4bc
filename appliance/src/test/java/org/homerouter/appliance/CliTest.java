package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The headless admin commands: status, config export|import, --help. */
class CliTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream old = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ByteArrayOutputStream errBuf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errBuf, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().execute(args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8), errBuf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
    }

    /** As {@link #run}, with {@code stdin} as standard input (a --password-stdin line). */
    private static Run runWithInput(String stdin, String... args) {
        java.io.InputStream oldIn = System.in;
        System.setIn(new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            return run(args);
        } finally {
            System.setIn(oldIn);
        }
    }

    /** As {@link #runWithInput}, with these bytes as standard input. */
    private static Run runWithBytes(byte[] stdin, String... args) {
        java.io.InputStream oldIn = System.in;
        System.setIn(new java.io.ByteArrayInputStream(stdin));
        try {
            return run(args);
        } finally {
            System.setIn(oldIn);
        }
    }

    /** The login page's command for a forgotten admin password: this JVM's java, absolute paths; none on the image. */
    @Test
    void theAdminPasswordCommandIsTheOneToTypeOnThisMachine() throws Exception {
        assertEquals(java.util.Optional.empty(), AdminCommand.resetCommand(
                AdminCommand.IMAGE_JAR.toUri().toURL(), Path.of("/var/lib/homerouter"), false), "the image: no login to type it at");
        String javaCommand = ProcessHandle.current().info().command().orElseThrow();
        assertEquals(java.util.Optional.of(javaCommand + " -jar /srv/hr/appliance.jar admin password --data-dir /srv/hr/data"),
                AdminCommand.resetCommand(Path.of("/srv/hr/appliance.jar").toUri().toURL(), Path.of("/srv/hr/data"), false));
        assertEquals(java.util.Optional.of("sudo " + javaCommand + " -jar '/home/o b/appliance.jar' admin password"
                        + " --data-dir '/home/o b/data'"),
                AdminCommand.resetCommand(Path.of("/home/o b/appliance.jar").toUri().toURL(), Path.of("/home/o b/data"), true),
                "a service run as root");
    }

    /**
     * A port below 1024 refused to a user without root (the UI on port 80) is told what it needs,
     * not asked whether another instance runs.
     */
    @Test
    void aPortRefusedForWantOfRootSaysSoNotAnotherInstance() {
        String denied = RunCommand.cannotListen("cannot serve the web UI on 0.0.0.0/0.0.0.0:80: Permission denied");
        assertTrue(denied.contains("need root or CAP_NET_BIND_SERVICE"), denied);
        assertTrue(denied.contains("make run PPTP_PORT=11723"), denied);
        assertFalse(denied.contains("another instance"), denied);
        String taken = RunCommand.cannotListen("cannot listen on TCP /0.0.0.0:1723: Address already in use");
        assertTrue(taken.contains("Is another instance running?"), taken);
    }

    /**
     * A password whose letters could not be read as characters is refused, not stored as another
     * one that no client (Windows: error 691) and no web UI login would then match: "Grüße-2024!"
     * sent in Latin-1 to --password-stdin, and typed at a terminal that Java reads as ASCII (a
     * router without locales), where each byte of "ü" arrives as U+FFFD.
     */
    @Test
    void aPasswordThatCouldNotBeReadAsTextIsRefusedAndNothingStored() throws Exception {
        Path d = dir.resolve("latin1");
        byte[] latin1 = "Grüße-2024!\n".getBytes(StandardCharsets.ISO_8859_1);
        Run add = runWithBytes(latin1, "user", "add", "bob", "--password-stdin", "--data-dir", d.toString());
        assertEquals(2, add.code(), add.out());
        assertTrue(add.err().contains("the password on standard input is not UTF-8 text"), add.err());
        Run carol = runWithInput("Grüße-2024!\n", "user", "add", "carol", "--password-stdin", "--data-dir", d.toString());
        assertEquals(0, carol.code(), "the same password in UTF-8 is taken");
        // Taken without a note: stored for Windows and pppd-based clients alike (before, "works from Windows only").
        assertFalse(carol.out().contains("note:"), carol.out());
        Run ascii = runWithInput("Gruesse-2024!\n", "user", "add", "dave", "--password-stdin", "--data-dir", d.toString());
        assertFalse(ascii.out().contains("note:"), ascii.out());
        // One longer than pppd sends (258 bytes in UTF-8) is taken with a note that those clients fail.
        Run tooLong = runWithInput("ü".repeat(129) + "\n", "user", "passwd", "dave", "--password-stdin",
                "--data-dir", d.toString());
        assertEquals(0, tooLong.code(), tooLong.err());
        assertTrue(tooLong.out().contains("note: It is longer than 256 bytes in UTF-8"), tooLong.out());
        Run passwd = runWithBytes(latin1, "user", "passwd", "carol", "--password-stdin", "--data-dir", d.toString());
        assertEquals(2, passwd.code(), passwd.out());
        Run admin = runWithBytes("Grüße-2024-admin\n".getBytes(StandardCharsets.ISO_8859_1), "admin", "password",
                "--password-stdin", "--data-dir", d.toString());
        assertEquals(2, admin.code(), admin.out());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            assertEquals(List.of("carol", "dave"), store.users().stream().map(VpnUser::name).toList(), "no bob");
            assertArrayEquals(NtPasswordHash.of("Grüße-2024!"), store.user("carol").orElseThrow().ntHash(),
                    "carol's password as it was");
            assertTrue(store.adminPasswordHash().isEmpty(), "no admin password set");
        }

        IllegalArgumentException typed = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ReadPassword.typed("Gr\uFFFD\uFFFD\uFFFD\uFFFDe-2024!".toCharArray()));
        assertTrue(typed.getMessage().startsWith("the password typed could not be read: the terminal sent characters")
                && typed.getMessage().contains("LC_ALL=C.UTF-8") && typed.getMessage().contains("--password-stdin"),
                typed.getMessage());
        assertEquals("Grüße-2024!", new String(ReadPassword.typed("Grüße-2024!".toCharArray())));
    }

    /** As {@link #runWithInput}, with {@code terminal} as the terminal (null: none). */
    private static Run runAtTerminal(ReadPassword.Terminal terminal, String stdin, String... args) {
        var old = ReadPassword.terminal;
        ReadPassword.terminal = () -> terminal;
        try {
            return runWithInput(stdin, args);
        } finally {
            ReadPassword.terminal = old;
        }
    }

    /**
     * Without a terminal to ask on unseen (JDK 25 has no Console when the output is redirected:
     * "homerouter user add bob | tee log"), a password is not read from stdin unless the command is
     * told to: it read the line typed at the terminal, shown as typed, without a prompt, once.
     * Every command that sets a password refuses, and sets nothing.
     */
    @Test
    void withoutATerminalAPasswordIsReadFromStdinOnlyWhenToldTo() throws Exception {
        Path d = dir.resolve("no-terminal");
        String at = d.toString();
        assertEquals(0, runWithInput("alice password\n", "user", "add", "alice", "--password-stdin", "--data-dir", at)
                .code());
        String typed = "typed, and shown\n";
        for (String[] command : List.of(new String[] {"user", "add", "bob"}, new String[] {"user", "passwd", "alice"},
                new String[] {"admin", "password"}, new String[] {"dialout", "--password"})) {
            List<String> args = new java.util.ArrayList<>(List.of(command));
            args.addAll(List.of("--data-dir", at));
            Run r = runAtTerminal(null, typed, args.toArray(String[]::new));
            assertEquals(2, r.code(), List.of(command) + ": " + r.out());
            oneErrorLine(r, ReadPassword.NO_TERMINAL);
        }
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            assertEquals(List.of("alice"), store.users().stream().map(VpnUser::name).toList(), "no bob");
            assertArrayEquals(NtPasswordHash.of("alice password"), store.user("alice").orElseThrow().ntHash());
            assertTrue(store.adminPasswordHash().isEmpty());
            assertEquals("", store.settings().get(Setting.DIALOUT_NT_HASH));
        }
    }

    /** Ctrl-D at the prompt is no password, said so (it said "the passwords do not match"). */
    @Test
    void ctrlDAtThePasswordPromptSaysNoPasswordGiven() throws Exception {
        Path d = dir.resolve("ctrl-d");
        String at = d.toString();
        List<String> prompts = new java.util.ArrayList<>();
        Run none = runAtTerminal(prompt -> {
            prompts.add(prompt);
            return null;
        }, "", "user", "add", "bob", "--data-dir", at);
        assertEquals(2, none.code(), none.out());
        oneErrorLine(none, "no password given");
        assertEquals(List.of("Password for bob: "), prompts);

        // Ctrl-D at the second prompt, then two that differ, then the same twice.
        java.util.Iterator<String> answers = List.of("bob password").iterator();
        Run half = runAtTerminal(prompt -> answers.hasNext() ? answers.next().toCharArray() : null, "", "user", "add",
                "bob", "--data-dir", at);
        oneErrorLine(half, "no password given");
        java.util.Iterator<String> differ = List.of("bob password", "bob passwort").iterator();
        oneErrorLine(runAtTerminal(prompt -> differ.next().toCharArray(), "", "user", "add", "bob", "--data-dir", at),
                "the passwords do not match");
        Run added = runAtTerminal(prompt -> "bob password".toCharArray(), "", "user", "add", "bob", "--data-dir", at);
        assertEquals(0, added.code(), added.err());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            assertArrayEquals(NtPasswordHash.of("bob password"), store.user("bob").orElseThrow().ntHash());
        }
    }

    /**
     * A password beyond ASCII set from the command line is stored both ways, so that a login finds
     * what Windows proves and what pppd-based clients prove; a new password of plain ASCII drops
     * pppd's. Before, only Windows' hash was kept and Linux and Android clients got 691.
     */
    @Test
    void aPasswordBeyondAsciiIsStoredForWindowsAndPppdClientsAlike() throws Exception {
        Path d = dir.resolve("both");
        assertEquals(0, runWithInput("Grüße-2024!\n", "user", "add", "carol", "--password-stdin",
                "--data-dir", d.toString()).code());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            org.homerouter.pptp.auth.PppUser carol = new StoreUserDirectory(store).find("carol").orElseThrow();
            assertArrayEquals(NtPasswordHash.of("Grüße-2024!"), carol.ntHash(), "Windows'");
            assertArrayEquals(NtPasswordHash.of(new String("Grüße-2024!".getBytes(StandardCharsets.UTF_8),
                    StandardCharsets.ISO_8859_1)), carol.octetWiseNtHash().orElseThrow(), "pppd's");
        }
        assertEquals(0, runWithInput("Åsa-ørn-2025\n", "user", "passwd", "carol", "--password-stdin",
                "--data-dir", d.toString()).code());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            assertArrayEquals(NtPasswordHash.octetWiseOf("Åsa-ørn-2025").orElseThrow(),
                    new StoreUserDirectory(store).find("carol").orElseThrow().octetWiseNtHash().orElseThrow());
        }
        assertEquals(0, runWithInput("plain ascii now\n", "user", "passwd", "carol", "--password-stdin",
                "--data-dir", d.toString()).code());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            org.homerouter.pptp.auth.PppUser carol = new StoreUserDirectory(store).find("carol").orElseThrow();
            assertEquals(Optional.empty(), carol.octetWiseNtHash());
            assertArrayEquals(NtPasswordHash.of("Åsa-ørn-2025"), carol.previousNtHash().orElseThrow(),
                    "the previous password is told apart as before");
        }
    }

    @Test
    void passwordsSetFromTheCommandLineKeepChapMd5LoginsWorkingWhileItIsAllowed() throws Exception {
        // As the Users page does: with CHAP-MD5 allowed, its secret is stored with each password.
        Path d = dir.resolve("c");
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_AUTH_METHODS, "mschapv2,chap-md5"));
        }
        assertEquals(0, runWithInput("first password\n", "user", "add", "carol", "--password-stdin",
                "--data-dir", d.toString()).code());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            assertArrayEquals("first password".getBytes(StandardCharsets.UTF_8),
                    store.user("carol").orElseThrow().chapSecret().orElseThrow());
        }
        assertEquals(0, runWithInput("second password\n", "user", "passwd", "carol", "--password-stdin",
                "--data-dir", d.toString()).code());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            assertArrayEquals("second password".getBytes(StandardCharsets.UTF_8),
                    store.user("carol").orElseThrow().chapSecret().orElseThrow(), "the new password's secret");
        }
    }

    /**
     * The Users page refuses "alice" beside "Alice", and so does the command line: before, it added
     * both, and the backup of that router could not be restored ("user alice appears twice").
     */
    @Test
    void aUserNameDifferingOnlyInCaseIsRefusedAndTheBackupStillRestores() throws Exception {
        Path a = dir.resolve("a");
        assertEquals(0, runWithInput("alice password\n", "user", "add", "Alice", "--password-stdin",
                "--data-dir", a.toString()).code());
        Run twin = runWithInput("other password\n", "user", "add", "alice", "--password-stdin", "--data-dir", a.toString());
        assertEquals(2, twin.code(), twin.out());
        assertEquals("error: a user named Alice already exists (names differ only in case)", twin.err().strip());
        Run same = runWithInput("other password\n", "user", "add", "Alice", "--password-stdin", "--data-dir", a.toString());
        assertEquals("error: user Alice already exists", same.err().strip());
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            assertEquals(List.of("Alice"), store.users().stream().map(VpnUser::name).toList());
            assertArrayEquals(NtPasswordHash.of("alice password"), store.user("Alice").orElseThrow().ntHash(),
                    "the first account as it was");
        }
        Path file = dir.resolve("export.json");
        assertEquals(0, run("config", "export", "--data-dir", a.toString(), "-o", file.toString()).code());
        Run imported = run("config", "import", "--data-dir", dir.resolve("b").toString(), file.toString());
        assertEquals(0, imported.code(), imported.err());
    }

    /**
     * A name with no account, or one taken, is the owner's input to correct: one "error:" line and
     * exit 2, as README says of bad input (they were bare lines with exit 1, a failing database's
     * exit). passwd says so before asking for the password (it asked twice first).
     */
    @Test
    void aMissingOrTakenUserIsBadInputSaidBeforeThePasswordIsAsked() throws Exception {
        Path d = dir.resolve("names");
        String at = d.toString();
        assertEquals(0, runWithInput("alice password\n", "user", "add", "alice", "--password-stdin", "--data-dir", at)
                .code());
        Run taken = runWithInput("other password\n", "user", "add", "alice", "--password-stdin", "--data-dir", at);
        assertEquals(2, taken.code());
        oneErrorLine(taken, "user alice already exists");
        Run removed = run("user", "remove", "bob", "--data-dir", at);
        assertEquals(2, removed.code());
        oneErrorLine(removed, "no user bob");
        oneErrorLine(run("user", "remove", "Alice", "--data-dir", at),
                "no user Alice (there is alice: names are matched with their case)");
        Run subnets = run("user", "subnets", "bob", "10.66.0.0/24", "--data-dir", at);
        assertEquals(2, subnets.code());
        oneErrorLine(subnets, "no user bob");
        // Nothing on stdin: the name is checked before a password is read, so it is what is said.
        Run passwd = runWithInput("", "user", "passwd", "bob", "--password-stdin", "--data-dir", at);
        assertEquals(2, passwd.code());
        oneErrorLine(passwd, "no user bob");
        // Bad networks, as every bad input: "error:", exit 2 (they said "refused:").
        Run overlap = run("user", "subnets", "alice", "192.168.250.0/24", "--data-dir", at);
        assertEquals(2, overlap.code());
        assertTrue(overlap.err().startsWith("error: "), overlap.err());
        Run dialout = run("dialout", "--lcp-echo-interval", "0", "--data-dir", at);
        assertEquals(2, dialout.code());
        oneErrorLine(dialout, "the LCP echo interval is 1 to 3600 seconds");
    }

    /** The way back in for an owner who forgot the web UI's password: it works at once, the old one no longer. */
    @Test
    void aForgottenAdminPasswordIsReplacedFromTheCommandLineAndTheOldLoginEnds() throws Exception {
        Path d = dir.resolve("forgot");
        try (Appliance a = Appliance.start(d.resolve("appliance.db"), new Appliance.Overrides("127.0.0.1", 0, 0),
                DataPlane.unavailable("test: no data plane"))) {
            UiClient before = UiClient.setUp(a.uiPort()); // logged in with UiClient.ADMIN_PASSWORD
            assertEquals(200, before.get("/system").statusCode());

            // Nine characters do for a VPN account, not for the password that guards the whole router.
            Run tooShort = runWithInput("ninechars\n", "admin", "password", "--password-stdin", "--data-dir",
                    d.toString());
            assertTrue(tooShort.code() != 0 && tooShort.err().contains("use at least 10 characters"), tooShort.err());
            Run five = runWithInput("five5\n", "admin", "password", "--password-stdin", "--data-dir", d.toString());
            assertTrue(five.code() != 0 && five.err().contains("use at least 10 characters"), "the same rule: " + five.err());
            Run set = runWithInput("a new admin password\n", "admin", "password", "--password-stdin", "--data-dir",
                    d.toString());
            assertEquals(0, set.code(), set.err());
            assertTrue(set.out().startsWith("admin password set"), set.out());

            assertEquals(401, UiClient.logIn(a.uiPort(), UiClient.ADMIN_PASSWORD).statusCode(), "the old one is refused");
            Thread.sleep(1100); // the login's pace after a wrong password (LoginThrottle.MIN_INTERVAL)
            assertEquals(303, UiClient.logIn(a.uiPort(), "a new admin password").statusCode());
            var after = before.get("/system");
            assertTrue(after.statusCode() == 302 || after.statusCode() == 303, "the browser logged in with the old"
                    + " password must log in again: " + after.statusCode());
            try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
                assertTrue(store.events(50, null).stream().anyMatch(e -> e.message().equals(
                        "admin password set from the command line")), "the Logs page says so");
            }
        }
    }

    /** A branch account and its networks are one change: one transaction, one line in the Logs. */
    @Test
    void aBranchAccountIsAddedWithItsNetworksAsOneChange() throws Exception {
        Path d = dir.resolve("branch");
        assertEquals(0, runWithInput("branch password\n", "user", "add", "branch-b", "--password-stdin",
                "--routed-subnet", "10.66.0.0/24", "--routed-subnet", "10.67.0.0/24", "--data-dir", d.toString()).code());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            assertEquals("10.66.0.0/24,10.67.0.0/24", store.routedSubnets("branch-b"));
            List<String> lines = store.events(20, "config").stream().map(ApplianceStore.EventRow::message).toList();
            assertEquals(List.of("user branch-b added from the command line, routing 10.66.0.0/24,10.67.0.0/24"),
                    lines.stream().filter(l -> l.contains("branch-b")).toList(), lines.toString());
        }
    }

    /**
     * `dialout --password` waits at its prompt while someone saves new networks on the
     * Site-to-site page: the command stored the networks it had read before the prompt, silently
     * undoing the page's save.
     */
    @Test
    void aDialOutPasswordTypedWhileThePageSavedNetworksKeepsThem() throws Exception {
        Path d = dir.resolve("dialout-prompt");
        assertEquals(0, run("dialout", "--server", "203.0.113.7", "--user", "branch-a", "--subnets", "10.2.0.0/24",
                "--data-dir", d.toString()).code());
        java.io.InputStream typing = new java.io.InputStream() {
            private java.io.InputStream line;

            @Override
            public int read() throws java.io.IOException {
                if (line == null) { // the page saves while the owner types
                    try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
                        store.putSettings(java.util.Map.of(Setting.DIALOUT_SUBNETS, "10.2.0.0/24,10.3.0.0/24"),
                                "site-to-site saved on the page");
                    } catch (java.sql.SQLException e) {
                        throw new java.io.IOException(e);
                    }
                    line = new java.io.ByteArrayInputStream("remote password\n".getBytes(StandardCharsets.UTF_8));
                }
                return line.read();
            }
        };
        java.io.InputStream oldIn = System.in;
        System.setIn(typing);
        Run r;
        try {
            r = run("dialout", "--password", "--password-stdin", "--data-dir", d.toString());
        } finally {
            System.setIn(oldIn);
        }
        assertEquals(0, r.code(), r.err());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            assertEquals("10.2.0.0/24,10.3.0.0/24", store.settings().get(Setting.DIALOUT_SUBNETS));
            assertFalse(store.settings().get(Setting.DIALOUT_NT_HASH).isEmpty(), "the password is set");
        }
    }

    /** "--password S3cret", as most tools take it: picocli printed the unmatched value, the password, back on the screen. */
    @Test
    void aPasswordGivenAfterPasswordIsNotPrintedBack() throws Exception {
        Path d = dir.resolve("dialout-pw");
        Run r = run("dialout", "--password", "Sekr1t-office", "--data-dir", d.toString());
        assertEquals(2, r.code(), r.err());
        assertFalse((r.out() + r.err()).contains("Sekr1t-office"), r.out() + r.err());
        oneErrorLine(r, "--password takes no value: it asks for the password, or reads one line of standard input with"
                + " --password-stdin. What followed it is not shown; if it was the password, it is now in your shell's"
                + " history: change it.");
        Run other = run("dialout", "--no-such-option", "--data-dir", d.toString());
        assertEquals(2, other.code());
        assertTrue(other.err().contains("--no-such-option"), "other mistakes as picocli says them: " + other.err());
    }

    /** "dial-out on" printed by the command line is not read as "dialling now": the running service has not seen it. */
    @Test
    void dialOutSaysWhenARunningServiceAppliesIt() throws Exception {
        Path d = dir.resolve("dialout");
        Run r = run("dialout", "--server", "203.0.113.7", "--user", "branch-a", "--data-dir", d.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("dial-out off: server 203.0.113.7, user branch-a"), r.out());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            // The event log says what it is now, as the Site-to-site page's line does, not only that it changed.
            assertEquals("site-to-site dial-out configured from the command line: off, to 203.0.113.7 as branch-a,"
                    + " routing (none), MPPE require-128", store.events(1, null).getFirst().message(),
                    store.recentEvents(5).toString());
        }
        assertTrue(r.out().contains("A running service applies this when it restarts (on the router: systemctl restart"
                + " homerouter, which also ends every session) or when the Site-to-site or the VPN server page is saved"),
                r.out());
    }

    /**
     * The remote server's password is its administrator's choice: the Site-to-site page takes any up
     * to 256 characters, and so does the command line, which refused one of 6 ("a password must
     * have 8 to 256 characters", this router's rule for its own accounts).
     */
    @Test
    void dialOutTakesTheRemoteServersShortPassword() throws Exception {
        Path d = dir.resolve("dialout-short");
        Run r = runWithInput("abc123\n", "dialout", "--server", "203.0.113.7", "--user", "branch-a", "--password",
                "--password-stdin", "--data-dir", d.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("user branch-a, password set"), r.out());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            assertEquals(java.util.HexFormat.of().formatHex(NtPasswordHash.of("abc123")),
                    store.settings().get(Setting.DIALOUT_NT_HASH));
        }
        assertFalse(r.out().contains("note:"), "a plain ASCII password needs no note: " + r.out());
        // One beyond ASCII works against a Windows server only (pppd-based servers hash its UTF-8
        // octets): said here as the Site-to-site page says it, and still stored.
        Run umlaut = runWithInput("Grüße-2024!\n", "dialout", "--password", "--password-stdin", "--data-dir",
                d.toString());
        assertEquals(0, umlaut.code(), umlaut.err());
        assertTrue(umlaut.out().contains("note: The password's characters beyond plain ASCII")
                && umlaut.out().contains("work against a Windows server only"), umlaut.out());
        Run tooLong = runWithInput("x".repeat(257) + "\n", "dialout", "--password", "--password-stdin", "--data-dir",
                d.toString());
        assertEquals(2, tooLong.code(), tooLong.out());
        assertTrue(tooLong.err().contains("a password must have 1 to 256 characters"), tooLong.err());
        Run user = runWithInput("abc123\n", "user", "add", "carol", "--password-stdin", "--data-dir", d.toString());
        assertEquals(2, user.code(), "this router's own accounts keep their rule: " + user.out());
    }

    @Test
    void helpListsEveryAdminCommand() {
        Run r = run("--help");
        assertEquals(0, r.code());
        for (String c : new String[] {"run", "status", "user", "config", "dial", "dialout", "admin"}) {
            assertTrue(r.out().contains("  " + c + " "), r.out());
        }
    }

    /**
     * Every command, at any depth, answers --help and "help ..." with its own usage and exit 0:
     * "user add --help" said "Missing required parameter" (exit 2), "user list --help" "Unknown
     * option", and "help user add" showed the usage of user. Walks the command tree, so a command
     * added later is checked too.
     */
    @Test
    void everyCommandShowsItsOwnHelp() {
        List<List<String>> paths = new java.util.ArrayList<>();
        java.util.ArrayDeque<java.util.Map.Entry<List<String>, picocli.CommandLine>> todo = new java.util.ArrayDeque<>();
        todo.add(java.util.Map.entry(List.of(), Main.commandLine()));
        while (!todo.isEmpty()) {
            var next = todo.poll();
            next.getValue().getSubcommands().forEach((name, sub) -> {
                List<String> path = new java.util.ArrayList<>(next.getKey());
                path.add(name);
                paths.add(path);
                todo.add(java.util.Map.entry(path, sub));
            });
        }
        assertTrue(paths.contains(List.of("user", "add")) && paths.contains(List.of("admin", "password")), paths.toString());
        for (List<String> path : paths) {
            String usage = "Usage: appliance " + String.join(" ", path);
            List<String> args = new java.util.ArrayList<>(path);
            args.add("--help");
            Run help = run(args.toArray(String[]::new));
            assertEquals(0, help.code(), path + ": " + help.err());
            String first = help.out().lines().findFirst().orElse("");
            assertTrue(first.equals(usage) || first.startsWith(usage + " "), path + ": " + help.out() + help.err());
            List<String> viaHelp = new java.util.ArrayList<>(List.of("help"));
            viaHelp.addAll(path);
            Run named = run(viaHelp.toArray(String[]::new));
            assertEquals(0, named.code(), path + ": " + named.err());
            assertEquals(help.out(), named.out(), "help " + path);
        }
        // Only the commands that set a password offer to read it from stdin.
        assertTrue(run("user", "add", "--help").out().contains("--password-stdin"));
        assertFalse(run("user", "list", "--help").out().contains("--password-stdin"));
        oneErrorLine(run("help", "user", "rename"), "no command \"user rename\": \"help user\" lists the commands");
    }

    /**
     * --version names the database schema this firmware reads and writes, on a line of its own: the
     * image build writes it into the release file, and homerouter-update refuses to go back to a
     * firmware of an older schema, which could not read the router's settings.
     */
    @Test
    void versionNamesTheDatabaseSchema() throws Exception {
        Run r = run("--version");
        assertEquals(0, r.code());
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("appliance.db"))) {
            assertTrue(r.out().lines().anyMatch(("database schema " + store.schemaVersion())::equals), r.out());
        }
    }

    /**
     * A backup written again over the last one, on a disk that fills up midway: the old file was
     * deleted first, so the owner was left with a cut-short new one and no backup. The limit is a
     * file-size limit on the command's process (ulimit -f), which fails the write as a full disk does.
     */
    @Test
    void anExportThatCannotBeWrittenWholeLeavesTheBackupThatWasThere() throws Exception {
        Path a = dir.resolve("a");
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            List<VpnUser> users = new java.util.ArrayList<>();
            for (int i = 0; i < 600; i++) {
                users.add(new VpnUser("user" + i, NtPasswordHash.of("password " + i), Optional.empty(), true,
                        Optional.empty()));
            }
            store.replaceConfiguration(store.settings(), users, "six hundred accounts");
        }
        Path file = dir.resolve("backup.json");
        String last = "{\"the\": \"last backup\"}\n";
        Files.writeString(file, last);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // SQLite's native library, which sqlite-jdbc would write out under the limit, written out before it.
        Path lib = dir.resolve("lib");
        Files.createDirectories(lib);
        try (var in = org.sqlite.SQLiteJDBCLoader.class.getResourceAsStream("/org/sqlite/native/"
                + org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS() + "/libsqlitejdbc.so")) {
            Files.copy(in, lib.resolve("libsqlitejdbc.so"));
        }
        // 64 KiB: room for the database's WAL and shared memory, less than 600 accounts' export.
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "ulimit -f 64 && exec \"$@\"", "export", javaBin,
                "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "-Dorg.sqlite.lib.path=" + lib, "-Dorg.sqlite.lib.name=libsqlitejdbc.so", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "config",
                "export", "--data-dir", a.toString(), "-o", file.toString()).redirectErrorStream(true);
        builder.environment().remove("JAVA_TOOL_OPTIONS"); // its "Picked up" line is no part of the answer
        Process export = builder.start();
        assertTrue(export.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the export ended");
        String out = new String(export.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, export.exitValue(), out);
        assertEquals("error: could not write " + file + " (File too large): the file that was there is unchanged",
                out.strip());
        assertEquals(last, Files.readString(file), "the last backup as it was");
        try (var left = Files.list(dir)) {
            assertEquals(List.of("a", "backup.json", "lib"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no part file left");
        }
        // Without the limit the same command replaces it, owner-only.
        assertEquals(0, run("config", "export", "--data-dir", a.toString(), "-o", file.toString()).code());
        assertTrue(Files.readString(file).contains("\"user599\""));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    /**
     * "config export" typed at an SSH prompt printed the accounts' NT hashes (which sign them in,
     * as the passwords would) on the screen: into its scrollback, a multiplexer's log, a shared
     * screen. On a terminal it is refused, saying how to write a file; through a pipe it still
     * prints. Run under util-linux's script(1), which gives the command a real pseudo-terminal.
     */
    @Test
    void anExportIsNotPrintedOnATerminal() throws Exception {
        Path a = dir.resolve("a");
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            store.addUser(new VpnUser("alice", NtPasswordHash.of("correct horse"), Optional.empty(), true, Optional.empty()));
        }
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = String.join(" ", java.util.stream.Stream.of(javaBin, "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "config", "export", "--data-dir", a.toString()).map(ConfigCommand::shellWord).toList());
        Run onTerminal = onATerminal(command);
        assertEquals(2, onTerminal.code(), onTerminal.out());
        assertTrue(onTerminal.out().contains("it is not printed on the terminal; write it to a file (homerouter config"
                + " export -o FILE"), onTerminal.out());
        assertFalse(onTerminal.out().contains("alice"), onTerminal.out());
        // Input redirected, the output still on the terminal (Java's console then says there is none).
        Run inputRedirected = onATerminal(command + " < /dev/null");
        assertEquals(2, inputRedirected.code(), inputRedirected.out());
        assertFalse(inputRedirected.out().contains("alice"), inputRedirected.out());
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            assertFalse(store.recentEvents(10).stream().anyMatch(e -> e.contains("configuration exported")),
                    store.recentEvents(10).toString());
        }
        // Not a terminal (a pipe, as here): printed as before.
        Run piped = run("config", "export", "--data-dir", a.toString());
        assertEquals(0, piped.code(), piped.err());
        assertTrue(piped.out().contains("\"alice\""), piped.out());
    }

    /** {@code command} run by the shell on a pseudo-terminal of util-linux's script(1); its output as {@code out}. */
    private static Run onATerminal(String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true);
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = builder.start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the command ended");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.exitValue(), out, "");
    }

    /**
     * "config export > /mnt/usb/backup.json" on a full stick (or into a pipe that closed): PrintStream
     * kept the write error to itself, and the command said nothing, exited 0 and logged "configuration
     * exported" over a cut-off backup found out only at the restore.
     */
    @Test
    void anExportToStandardOutputThatCannotBeWrittenWholeFails() throws Exception {
        Path a = dir.resolve("a");
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY, "192.168.1.1"));
        }
        PrintStream old = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream errBuf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
            }
        }, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errBuf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.commandLine().execute("config", "export", "--data-dir", a.toString());
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
        String err = errBuf.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, err);
        assertTrue(err.contains("the export could not be written whole to standard output"), err);
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            assertFalse(store.recentEvents(10).stream().anyMatch(e -> e.contains("configuration exported")),
                    store.recentEvents(10).toString());
        }
    }

    /**
     * The settings were lost at a start (the database set aside) and what they held is kept held; a
     * restore from the command line deals with that as the System page's does: the copy goes, and
     * what the restored settings no longer hold is said. Left, the router kept the LAN cut off from
     * those networks (or the internet) for good, its dashboard asking for the import just made.
     */
    @Test
    void aRestoreFromTheCommandLineEndsTheHoldsKeptForLostSettings() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"));
             ApplianceStore other = ApplianceStore.open(b.resolve("appliance.db"))) {
            other.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY, "192.168.1.1"));
        }
        Path kept = a.resolve(TunnelOnlyNetworks.LOST_SETTINGS_HOLD);
        Files.writeString(kept, "unreachable 10.9.0.0/16\n");
        Run status = run("status", "--data-dir", a.toString());
        assertTrue(status.out().contains("\nsettings       LOST at an earlier start (the database could not be read): the"
                + " router runs on defaults, and keeps held what the lost settings held (10.9.0.0/16) until the last"
                + " export is imported (config import, or the System page) or the router reset\n"),
                "as the Dashboard says it: " + status.out());
        Path file = dir.resolve("export.json");
        assertEquals(0, run("config", "export", "--data-dir", b.toString(), "-o", file.toString()).code());
        Run r = run("config", "import", "--data-dir", a.toString(), file.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("LAN traffic to 10.9.0.0/16, held since the settings were lost (reached only through"
                + " a tunnel), now leaves by this router's internet connection"), r.out());
        assertFalse(Files.exists(kept), "the copy went with the restore");
    }

    /** "-o /dev/null" as root deleted the device and left a regular file in its place. */
    @Test
    void anExportIsNotWrittenOverADeviceOrAPipe() throws Exception {
        Path a = dir.resolve("a");
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY, "192.168.1.1"));
        }
        Path pipe = dir.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start().waitFor());
        Run r = run("config", "export", "--data-dir", a.toString(), "-o", pipe.toString());
        assertEquals(2, r.code(), r.out());
        oneErrorLine(r, pipe + " is not a regular file (a device or a pipe): write the export to standard output"
                + " instead: homerouter config export > " + pipe);
        assertTrue(Files.readAttributes(pipe, java.nio.file.attribute.BasicFileAttributes.class).isOther(),
                "the pipe is still there");
        oneErrorLine(run("config", "export", "--data-dir", a.toString(), "-o", dir.toString()),
                dir + " is a directory: name a file in it");
    }

    @Test
    void configExportedFromOneRouterImportsIntoAnother() throws Exception {
        Path a = dir.resolve("a");
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            store.addUser(new VpnUser("alice", NtPasswordHash.of("alice password"), Optional.empty(), false,
                    Optional.of("192.168.250.70")), "added");
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY, "192.168.1.1"));
            store.setRoutedSubnets("alice", "10.77.0.0/24,10.78.0.0/16", "alice is a branch office");
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.DIALOUT_SUBNETS, "10.79.0.0/24",
                    org.homerouter.appliance.store.Setting.DIALOUT_SERVER, "203.0.113.7"));
        }
        Path file = dir.resolve("export.json");
        assertEquals(0, run("config", "export", "--data-dir", a.toString(), "-o", file.toString()).code());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String json = Files.readString(file);
        assertTrue(json.contains("\"nt_hash\": \"") && !json.contains("alice password"), json);
        assertTrue(!json.contains("metrics_token"), "the metrics token stays on this router");
        try (var store = org.homerouter.appliance.store.ApplianceStore.open(a.resolve("appliance.db"))) {
            assertTrue(store.recentEvents(5).stream().anyMatch(e -> e.contains("configuration exported, with the"
                    + " accounts' password hashes, by the command line to " + file.toAbsolutePath())),
                    "the export is on record: " + store.recentEvents(5));
        }

        Path b = dir.resolve("b");
        Run imported = run("config", "import", "--data-dir", b.toString(), file.toString());
        assertEquals(0, imported.code(), imported.out());
        try (ApplianceStore store = ApplianceStore.open(b.resolve("appliance.db"))) {
            VpnUser alice = store.user("alice").orElseThrow();
            assertEquals(false, alice.enabled());
            assertEquals(Optional.of("192.168.250.70"), alice.staticAddress());
            assertTrue(java.util.Arrays.equals(NtPasswordHash.of("alice password"), alice.ntHash()));
            assertEquals("192.168.1.1", store.settings().get(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY));
            assertEquals("10.77.0.0/24,10.78.0.0/16", store.routedSubnets("alice"), "a branch office stays one");
            assertEquals("10.79.0.0/24", store.settings().get(org.homerouter.appliance.store.Setting.DIALOUT_SUBNETS));
        }
        Run status = run("status", "--data-dir", b.toString());
        assertTrue(status.out().contains("branch office  alice routes 10.77.0.0/24,10.78.0.0/16"), status.out());
        Run list = run("user", "list", "--data-dir", b.toString());
        assertTrue(list.out().matches("alice +disabled  static 192\\.168\\.250\\.70  routes 10\\.77\\.0\\.0/24,10\\.78\\.0\\.0/16\\R"),
                list.out());
    }

    /**
     * A password the Users page takes (at most 256 characters) is up to 3 bytes a character as a
     * CHAP-MD5 secret: 200 Cyrillic letters are 400. Its backup restores, with the secret intact.
     */
    @Test
    void aBackupWithALongNonAsciiPasswordRestoresWhileChapMd5IsAllowed() throws Exception {
        Path a = dir.resolve("a");
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            store.putSettings(java.util.Map.of(Setting.PPTP_AUTH_METHODS, "mschapv2,chap-md5"));
        }
        String pw = "ж".repeat(200);
        assertEquals(0, runWithInput(pw + "\n", "user", "add", "bob", "--password-stdin", "--data-dir", a.toString())
                .code());
        Path file = dir.resolve("export.json");
        assertEquals(0, run("config", "export", "--data-dir", a.toString(), "-o", file.toString()).code());

        Path b = dir.resolve("b");
        Run imported = run("config", "import", "--data-dir", b.toString(), file.toString());
        assertEquals(0, imported.code(), imported.err());
        try (ApplianceStore store = ApplianceStore.open(b.resolve("appliance.db"))) {
            VpnUser bob = store.user("bob").orElseThrow();
            assertArrayEquals(pw.getBytes(StandardCharsets.UTF_8), bob.chapSecret().orElseThrow(), "the CHAP-MD5 secret");
            assertArrayEquals(NtPasswordHash.of(pw), bob.ntHash());
        }
    }

    /** A fresh router's export, edited (the edit must change it), in a file to import. */
    private Path editedExport(java.util.function.UnaryOperator<String> edit) throws Exception {
        ApplianceStore.open(dir.resolve("a").resolve("appliance.db")).close();
        Path file = dir.resolve("export.json");
        assertEquals(0, run("config", "export", "--data-dir", dir.resolve("a").toString(), "-o", file.toString()).code());
        String json = Files.readString(file);
        String edited = edit.apply(json);
        assertTrue(!edited.equals(json), "the test edits the export: " + json);
        Files.writeString(file, edited);
        return file;
    }

    @Test
    void anImportWithVpnSettingsTheVpnPageWouldRefuseIsRefusedWhole() throws Exception {
        // An old or hand-edited file: the pool holds the router's own tunnel address, and more
        // sessions than the page allows.
        Path file = editedExport(json -> json
                .replace("\"pptp.pool_start\": \"192.168.250.10\"", "\"pptp.pool_start\": \"192.168.250.1\"")
                .replace("\"pptp.max_sessions\": \"50\"", "\"pptp.max_sessions\": \"50000\""));

        Path b = dir.resolve("b");
        Run imported = run("config", "import", "--data-dir", b.toString(), file.toString());
        assertTrue(imported.code() != 0, imported.out());
        assertTrue(imported.err().contains("the pool contains the router's own tunnel address")
                && imported.err().contains("Maximum sessions must be a whole number from 1 to 1000"), imported.err());
        try (ApplianceStore store = ApplianceStore.open(b.resolve("appliance.db"))) {
            assertEquals("192.168.250.10", store.settings().get(org.homerouter.appliance.store.Setting.PPTP_POOL_START),
                    "nothing was imported");
        }
    }

    /**
     * A file whose tunnel network is public (192.186 typed for 192.168) or whose DNS server is the
     * clients' own loopback, which the VPN page now refuses, imports (a backup from before the rule
     * must restore), with a warning in the page's words; the service names them in the event log.
     */
    @Test
    void anImportWithAPublicTunnelNetworkOrALoopbackDnsServerImportsWithAWarningInThePagesWords() throws Exception {
        Path file = editedExport(json -> json.replace("\"192.168.250.", "\"192.186.250.")
                .replace("\"pptp.dns_primary\": \"\"", "\"pptp.dns_primary\": \"127.0.0.1\""));
        Path b = dir.resolve("b");
        Run imported = run("config", "import", "--data-dir", b.toString(), file.toString());
        assertEquals(0, imported.code(), imported.err());
        assertTrue(imported.out().contains("Warning: the stored VPN server settings hold what the VPN server page refuses,"
                + " and run as they are until corrected there: \"Router's tunnel address\": 192.186.250.1 is a public"
                + " internet address: the router would send what its users send to the real hosts of 192.186.250.0/24"
                + " into the VPN."), imported.out());
        assertTrue(imported.out().contains("\"DNS server\": 127.0.0.1 is a loopback address (127.x.x.x), each"
                + " computer's own: no VPN client can reach a DNS server there."), imported.out());
        try (ApplianceStore store = ApplianceStore.open(b.resolve("appliance.db"))) {
            assertEquals("192.186.250.1", store.settings().get(org.homerouter.appliance.store.Setting.PPTP_LOCAL_ADDRESS));
            assertEquals("127.0.0.1", store.settings().get(org.homerouter.appliance.store.Setting.PPTP_DNS_PRIMARY));
        }

        Files.writeString(file, Files.readString(file).replace("\"192.186.250.", "\"172.16.250.")
                .replace("\"127.0.0.1\"", "\"8.8.8.8\""));
        Run fixed = run("config", "import", "--data-dir", b.toString(), file.toString());
        assertEquals(0, fixed.code(), fixed.err());
        assertFalse(fixed.out().contains("VPN server page refuses"), fixed.out());
    }

    /** As on the System page: what the file weakened is printed and logged, not imported unsaid. */
    @Test
    void anImportThatSwitchesEncryptionOffSaysSo() throws Exception {
        Path file = editedExport(json -> json.replace("\"pptp.mppe\": \"require-128\"", "\"pptp.mppe\": \"none\""));
        Path b = dir.resolve("b");
        Run imported = run("config", "import", "--data-dir", b.toString(), file.toString());
        assertEquals(0, imported.code(), imported.err());
        String said = "This import weakened: VPN encryption is now None (unencrypted), not Require 128-bit as before.";
        assertTrue(imported.out().contains("Warning: " + said), imported.out());
        try (ApplianceStore store = ApplianceStore.open(b.resolve("appliance.db"))) {
            assertTrue(store.recentEvents(5).contains("config: " + said), store.recentEvents(5).toString());
        }
        Run again = run("config", "import", "--data-dir", b.toString(), file.toString());
        assertFalse(again.out().contains("weakened"), "nothing more the second time: " + again.out());
    }

    /** An export that still has an account deleted since says so, as on the System page. */
    @Test
    void anImportOfAnAccountDeletedSinceSaysSo() throws Exception {
        Path a = dir.resolve("a");
        assertEquals(0, runWithInput("bob password\n", "user", "add", "bob", "--password-stdin", "--data-dir",
                a.toString()).code());
        Path file = dir.resolve("export.json");
        assertEquals(0, run("config", "export", "--data-dir", a.toString(), "-o", file.toString()).code());
        assertEquals(0, run("user", "remove", "bob", "--data-dir", a.toString()).code());

        Run imported = run("config", "import", "--data-dir", a.toString(), file.toString());
        assertEquals(0, imported.code(), imported.err());
        String said = "This import weakened: VPN user bob added.";
        assertTrue(imported.out().contains("Warning: " + said), imported.out());
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            assertTrue(store.recentEvents(5).contains("config: " + said), store.recentEvents(5).toString());
        }
        Run again = run("config", "import", "--data-dir", a.toString(), file.toString());
        assertFalse(again.out().contains("weakened"), "its own export: nothing. " + again.out());
    }

    /** A site-to-site tunnel switched on without its password: imported, with a warning that it will not dial. */
    @Test
    void anImportWhoseTunnelCannotStartSaysWhy() throws Exception {
        Path file = editedExport(json -> json.replace("\"dialout.enabled\": \"false\"", "\"dialout.enabled\": \"true\"")
                .replace("\"dialout.server\": \"\"", "\"dialout.server\": \"203.0.113.7\"")
                .replace("\"dialout.user\": \"\"", "\"dialout.user\": \"branch\"")
                .replace("\"dialout.subnets\": \"\"", "\"dialout.subnets\": \"10.2.0.0/24\""));
        Run imported = run("config", "import", "--data-dir", dir.resolve("b").toString(), file.toString());
        assertEquals(0, imported.code(), imported.err());
        assertTrue(imported.out().contains("Warning: the site-to-site tunnel will not start with it: no password set for"
                + " the remote server"), imported.out());
    }

    @Test
    void anImportWithALimitOfZeroIsRefused() throws Exception {
        // The server cannot start with no control connections or logins allowed at all.
        Path file = editedExport(json -> json.replace("\"pptp.max_logging_in\": \"16\"", "\"pptp.max_logging_in\": \"0\""));
        Run imported = run("config", "import", "--data-dir", dir.resolve("b").toString(), file.toString());
        assertTrue(imported.code() != 0, imported.out());
        assertTrue(imported.err().contains("setting pptp.max_logging_in has an invalid value \"0\""), imported.err());
    }

    @Test
    void statusShowsConfigurationSessionsAndProblemsWithAdvice() throws Exception {
        Path d = dir.resolve("s");
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            long row = store.sessionStarted(1000, "alice", "192.0.2.7", "192.168.250.10", "alice connected");
            long now = System.currentTimeMillis(); // a recent problem: the last 7 days' are listed
            store.sessionEnded(0, now - 2000, now - 1000, null, "198.51.100.9", null, 0, 0, "NO_GRE", "", "disconnect",
                    "no GRE");
            assertTrue(row > 0);
        }
        Run r = run("status", "--data-dir", d.toString());
        assertEquals(StatusCommand.NOT_RUNNING, r.code(), "no service here");
        assertTrue(r.out().contains("PPTP server    enabled, 0.0.0.0:1723, up to 50 sessions"), r.out());
        // This machine's clock, whichever state it is in (ClockStateTest checks the reading itself).
        assertTrue(r.out().contains(org.homerouter.bridge.ClockState.synchronizedByTimeServer().orElseThrow()
                ? "clock          synchronized with a time server" : "clock          NOT synchronized with a time server"), r.out());
        assertTrue(r.out().contains("sessions up when the service stopped (1)") && r.out().contains("alice"), r.out());
        assertTrue(r.out().contains(" since 1970-01-01 00:00:01 UTC"), "times say their zone: " + r.out());
        assertTrue(r.out().contains("client DNS     "), "which DNS servers clients get: " + r.out());
        assertTrue(r.out().contains("GRE is blocked between the client and this router"), r.out());
        // Led by the router in front where this machine's route to the internet leaves from a private address.
        assertTrue(r.out().contains("what to do: ") && r.out().contains("Let IP protocol 47 (GRE) through"), r.out());
    }

    /**
     * An owner locked out of the web UI asks the console: is the service running, and where is its
     * web UI? status read the database alone, which reads the same after a crash as with the
     * service up (its open rows listed as "sessions up"), and named no address. It says both now:
     * running with its pid, or not, the sessions then as those of a service that stopped, and the
     * web UI's URLs as the service listens (the router's command line overrides the settings with
     * every address), or last did, with HTTPS where it is on.
     */
    @Test
    void statusSaysWhetherTheServiceRunsAndWhereItsWebUiIs() throws Exception {
        Path d = dir.resolve("service");
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            store.sessionStarted(1000, "alice", "192.0.2.7", "192.168.250.10", "alice connected");
            store.putSettings(java.util.Map.of(Setting.UI_HTTPS, "true", Setting.UI_HTTPS_PORT, "18443"));
        }
        Run never = run("status", "--data-dir", d.toString());
        assertEquals(StatusCommand.NOT_RUNNING, never.code(), "a monitoring check reads the exit code: " + never.err());
        assertTrue(never.out().contains("\nservice        NOT RUNNING: no VPN, site-to-site or web UI now (on the"
                + " router: systemctl status homerouter says why, systemctl start homerouter starts it)\n"), never.out());
        assertTrue(never.out().contains("\nweb UI         not served now; when the service runs:\n"
                + "               http://127.0.0.1:8080/\n               https://127.0.0.1:18443/\n"), "the settings': "
                + never.out());
        assertTrue(never.out().contains("\nsessions up when the service stopped (1): none is connected now; the service"
                + " records them as interrupted when it starts\n"), never.out());

        // Listening on every address, each URL names its link (the router's firewall admits the UI from the LAN only).
        String here = StatusCommand.ownAddresses().stream().findFirst().map(o -> o.host() + ":18080/" + o.on())
                .orElse("127.0.0.1:18080/");
        String hereTls = here.replace(":18080/", ":18443/");
        InstanceLock service = InstanceLock.take(d, new StringBuilder()).orElseThrow(); // as run holds it
        try {
            service.serving("0.0.0.0", 18080); // as the router's run: every address
            Run up = run("status", "--data-dir", d.toString());
            assertEquals(0, up.code(), up.err());
            assertTrue(up.out().contains("\nservice        running (pid " + ProcessHandle.current().pid() + ")\n"),
                    up.out());
            assertTrue(up.out().contains("\nweb UI         http://" + here + "\n"), up.out());
            assertTrue(up.out().contains("https://" + hereTls + "\n"), up.out());
            assertTrue(up.out().contains("\nsessions up (1)\n"), up.out());
        } finally {
            service.release();
        }
        Run stopped = run("status", "--data-dir", d.toString());
        assertTrue(stopped.out().contains("\nservice        NOT RUNNING"), stopped.out());
        assertTrue(stopped.out().contains("\nweb UI         not served now; when the service runs:\n"
                + "               http://" + here + "\n"), "where it last listened: " + stopped.out());

        var everyAddress = new InstanceLock.Look(true, "1", "0.0.0.0", 8080);
        var settings = java.util.Map.of(Setting.UI_HTTPS, "false", Setting.UI_HTTPS_PORT, "8443");
        assertEquals(List.of("web UI         http://192.168.1.1:8080/  (on lan)", "               http://10.0.2.15:8080/  (on wan)"),
                StatusCommand.webUi(settings, everyAddress, List.of(
                        new StatusCommand.Own(java.net.InetAddress.getByName("192.168.1.1"), "lan"),
                        new StatusCommand.Own(java.net.InetAddress.getByName("10.0.2.15"), "wan"))));
    }

    /** status -n N: that many recent events. */
    @Test
    void statusShowsAsManyEventsAsAskedFor() throws Exception {
        Path d = dir.resolve("events");
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            for (int i = 0; i < 30; i++) {
                store.logEvent("admin", "event " + i);
            }
        }
        for (int n : new int[] {0, 3, 25}) {
            Run r = run("status", "-n", Integer.toString(n), "--data-dir", d.toString());
            assertEquals(StatusCommand.NOT_RUNNING, r.code(), r.err());
            List<String> lines = r.out().lines().toList();
            assertEquals(n, lines.size() - 1 - lines.indexOf("recent events"), r.out());
        }
        assertEquals(11, run("status", "--data-dir", d.toString()).out().lines().dropWhile(l -> !l.equals(
                "recent events")).count(), "10 by default");
        oneErrorLine(run("status", "-n", "-1", "--data-dir", d.toString()), "-n is 0 to 1000 events");
    }

    /**
     * A router set up when the default was 64 sessions keeps that beside the pool's 50 addresses:
     * status says 50, the most it serves (the 51st call is refused as busy), and the limit where it
     * is the smaller.
     */
    @Test
    void statusSaysHowManySessionsThePoolAndTheLimitAllow() throws Exception {
        Path d = dir.resolve("old-default");
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            store.putSettings(java.util.Map.of(Setting.PPTP_MAX_SESSIONS, "64"));
        }
        Run r = run("status", "--data-dir", d.toString());
        assertTrue(r.out().contains(", up to 50 sessions"), r.out());
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            store.putSettings(java.util.Map.of(Setting.PPTP_MAX_SESSIONS, "20"));
        }
        r = run("status", "--data-dir", d.toString());
        assertTrue(r.out().contains(", up to 20 sessions"), r.out());
    }

    /**
     * Clients get the VPN page's DNS servers, else the router's own, or the router itself where
     * those are IPv6 only, else none: status says which, and why where it is not the plain case.
     */
    @Test
    void statusSaysWhichDnsServersClientsGet() throws Exception {
        var own = new HostNameServers.ForClients(List.of((java.net.Inet4Address) java.net.InetAddress.getByName(
                "203.0.113.53")), false);
        var none = java.util.Map.of(Setting.PPTP_DNS_PRIMARY, "", Setting.PPTP_DNS_SECONDARY, "");
        assertEquals("the router's own: 203.0.113.53", StatusCommand.clientDns(none, own));
        assertEquals("NONE: this router knows no DNS server of its own; set one on the VPN page",
                StatusCommand.clientDns(none, new HostNameServers.ForClients(List.of(), false)));
        assertEquals("this router itself: 192.168.1.1 (its LAN address; the WAN's DNS servers are IPv6 only, which PPTP"
                + " cannot give clients)", StatusCommand.clientDns(none, new HostNameServers.ForClients(
                        List.of((java.net.Inet4Address) java.net.InetAddress.getByName("192.168.1.1")), true)));
        assertEquals("NONE: the WAN's DNS servers are IPv6 only, which PPTP cannot give clients; set an IPv4 one on the"
                + " VPN page", StatusCommand.clientDns(none, new HostNameServers.ForClients(List.of(), true)));
        assertEquals("192.0.2.1, 192.0.2.2", StatusCommand.clientDns(java.util.Map.of(Setting.PPTP_DNS_PRIMARY,
                "192.0.2.1", Setting.PPTP_DNS_SECONDARY, "192.0.2.2"), own), "the VPN page's win");
    }

    @Test
    void mtuTroubleShowsOnTheLiveSessionAndStaysInTheHistoryAfterANormalEnd() throws Exception {
        Path d = dir.resolve("mtu");
        String detail = "1400-octet frames are lost between the client and this router; the largest that crossed: "
                + "1280 octets; the tunnel MTU was lowered to 1276 for this session";
        long bob;
        try (ApplianceStore store = ApplianceStore.open(d.resolve("appliance.db"))) {
            long alice = store.sessionStarted(1000, "alice", "192.0.2.7", "192.168.250.10", "alice connected");
            store.sessionProblem(alice, "MTU_TROUBLE", detail, "alice: MTU trouble");
            bob = store.sessionStarted(1000, "bob", "192.0.2.8", "192.168.250.11", "bob connected");
            store.sessionProblem(bob, "MTU_TROUBLE", detail, "bob: MTU trouble");
            long now = System.currentTimeMillis(); // a recent problem: the last 7 days' are listed
            store.sessionEnded(bob, now - 4000, now, "bob", "192.0.2.8", "192.168.250.11", 10, 20, "HUNG_UP", "",
                    "disconnect", "bob hung up");
            var history = store.sessionHistory(10, false);
            var record = ApplianceSessions.record(history.getFirst());
            assertTrue(record.failed(), "a normal hang-up after MTU trouble still counts as a problem");
            assertTrue(record.endReason().contains("the link was closed normally; while it was up: large packets are lost"),
                    record.endReason());
            assertTrue(record.advice().contains("lowered this session's tunnel MTU"), record.advice());
            assertEquals(2, store.events(10, "problem").size(), "the event log has a line for each");
        }
        Run r = run("status", "--data-dir", d.toString());
        assertEquals(StatusCommand.NOT_RUNNING, r.code(), "no service here");
        String out = r.out();
        assertTrue(out.contains("problem: large packets are lost between the client and this router (MTU trouble)"), out);
        assertTrue(out.contains(detail), out);
        assertTrue(out.contains("bob from 192.0.2.8: the link was closed normally; while it was up: large packets"), out);
    }

    @Test
    void aSecondRunOnTheSameDataDirectoryIsRefusedAndTouchesNothing() throws Exception {
        Path data = dir.resolve("data");
        var first = InstanceLock.take(data, new StringBuilder()).orElseThrow(); // as a running service holds it
        try {
            // Another process, as a second 'run' is: the lock is the kernel's, per process.
            Process second = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--data-dir",
                    data.toString(), "--pptp-address", "127.0.0.1", "--pptp-port", "0", "--ui-port", "0")
                    .redirectErrorStream(true).start();
            if (!second.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                second.destroyForcibly();
                throw new AssertionError("the second run started instead of stopping");
            }
            String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, second.exitValue(), out);
            assertTrue(out.contains("another appliance is already running with " + data.toAbsolutePath() + " (pid "
                    + ProcessHandle.current().pid() + ")"), out);
            assertFalse(Files.exists(data.resolve("appliance.db")), "the database was not opened");
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
        } finally {
            first.release();
        }
        InstanceLock.take(data, new StringBuilder()).orElseThrow(() -> new AssertionError("free once the first stopped"))
                .release();
    }

    /** An IPv6 listen address closed every call and broke the firewall rule: refused before anything starts. */
    @Test
    void anIpv6PptpAddressIsRefusedInOneLine() {
        Path data = dir.resolve("v6");
        oneErrorLine(run("run", "--data-dir", data.toString(), "--pptp-address", "::1", "--ui-port", "0"),
                "--pptp-address takes an IPv4 address (PPTP runs over IPv4), not ::1");
        assertFalse(Files.exists(data.resolve("appliance.db")), "nothing started");
        oneErrorLine(run("run", "--data-dir", data.toString(), "--pptp-address", "999.1.1.1", "--ui-port", "0"),
                "--pptp-address takes an IPv4 address (PPTP runs over IPv4), not 999.1.1.1");
    }

    /** One line, "error: ...", and no stack trace: what the owner reads at a shell. */
    private static void oneErrorLine(Run r, String expected) {
        assertTrue(r.code() != 0, r.out());
        assertEquals("error: " + expected, r.err().strip(), "one line, no stack trace");
    }

    /**
     * Run from the wrong directory (the default --data-dir is relative) or with a mistyped one, a
     * command used to make an empty database and report success on it: an export without users,
     * an admin password the service never sees. Refused, naming where it looked.
     */
    @Test
    void aCommandOnAMissingDatabaseIsRefusedNamingItsAbsolutePath() throws Exception {
        Path missing = dir.resolve("typo");
        String where = "no database at " + missing.resolve("appliance.db").toAbsolutePath() + ": give the service's"
                + " data directory with --data-dir (the homerouter command on the router does), or run this where its"
                + " data/ is";
        String d = missing.toString();
        oneErrorLine(run("config", "export", "--data-dir", d, "-o", dir.resolve("backup.json").toString()), where);
        assertFalse(Files.exists(dir.resolve("backup.json")), "no backup of an empty database");
        oneErrorLine(runWithInput("a new admin password\n", "admin", "password", "--password-stdin", "--data-dir", d),
                where);
        oneErrorLine(run("status", "--data-dir", d), where);
        oneErrorLine(run("user", "list", "--data-dir", d), where);
        oneErrorLine(runWithInput("new password\n", "user", "passwd", "alice", "--password-stdin", "--data-dir", d),
                where);
        assertFalse(Files.exists(missing), "nothing was created");

        // The default, relative to wherever the command runs.
        Path here = Path.of("data").toAbsolutePath();
        if (Files.exists(here.resolve("appliance.db"))) {
            // The test cannot move the database away: it may be someone's (make run's) with their settings.
            LoudSkip.skip("CliTest: a command run without --data-dir is not tested: " + here.resolve("appliance.db")
                    + " exists, which it would find (a service run from this directory made it?). Move it away to test"
                    + " that part.", "CI must test the default data directory, from a checkout with no data/ in it.");
        }
        Run defaulted = run("config", "export");
        oneErrorLine(defaulted, "no database at " + here.resolve("appliance.db") + ": give the service's data"
                + " directory with --data-dir (the homerouter command on the router does), or run this where its data/ is");
        assertFalse(Files.exists(here.resolve("appliance.db")), "nothing was created");
    }

    /**
     * On the router the homerouter command works as the service's user, which may not enter root's
     * home (0700): "config export -o backup.json" and "config import backup.json" there said
     * "permission denied" and nothing more. The error names the form that works, stdin or stdout,
     * which the owner's shell opens; those forms work, also with the --data-dir the wrapper appends.
     */
    @Test
    void aBackupFileTheCommandMayNotOpenIsRefusedNamingTheFormThatWorks() throws Exception {
        Path a = dir.resolve("a");
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            store.addUser(new VpnUser("alice", NtPasswordHash.of("alice password"), Optional.empty(), true,
                    Optional.empty()), "added");
        }
        // As root's home is to the service's user. Root may open anything there, so a test run as
        // root takes files of the kernel's that refuse even root.
        Path home = Files.createDirectories(dir.resolve("home"));
        Path unreadable = Files.writeString(home.resolve("backup.json"), "{}");
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        Path unwritable = home.resolve("new.json");
        try {
            if (Files.isReadable(unreadable)) {
                unreadable = Path.of("/proc/sys/vm/drop_caches");
                unwritable = Path.of("/sys/backup.json");
            }
            Path r = unreadable;
            org.junit.jupiter.api.Assumptions.assumeTrue(deniedAccess(() -> Files.readAllBytes(r)), r + " readable");
            Path w = unwritable;
            org.junit.jupiter.api.Assumptions.assumeTrue(deniedAccess(() -> Files.createFile(w)), w + " writable");

            oneErrorLine(run("config", "export", "--data-dir", a.toString(), "-o", unwritable.toString()),
                    "permission denied: " + unwritable + " (on the router, the homerouter command works as the"
                            + " service's user, which may not write there): write the export to standard output"
                            + " instead, which your shell opens as you: (umask 077; homerouter config export > "
                            + unwritable + ")");
            Run imported = run("config", "import", "--data-dir", dir.resolve("b").toString(), unreadable.toString());
            assertEquals(1, imported.code());
            oneErrorLine(imported, "permission denied: " + unreadable + " (on the router, the homerouter command works"
                    + " as the service's user, which may not read it): give it on standard input instead, which your"
                    + " shell opens as you: homerouter config import - < " + unreadable);
        } finally {
            Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        assertEquals("'my backup.json'", ConfigCommand.shellWord("my backup.json"));

        // The forms named work: the export on stdout is the document alone, and "-" reads stdin.
        Run exported = run("config", "export", "--data-dir", a.toString());
        assertEquals(0, exported.code(), exported.err());
        Run imported = runWithInput(exported.out(), "config", "import", "-", "--data-dir", dir.resolve("b").toString());
        assertEquals(0, imported.code(), imported.err());
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("b").resolve("appliance.db"))) {
            assertTrue(store.user("alice").isPresent());
        }
    }

    private interface FileAccess {
        void run() throws Exception;
    }

    private static boolean deniedAccess(FileAccess access) {
        try {
            access.run();
            return false;
        } catch (java.nio.file.AccessDeniedException e) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aMissingFileOrADamagedDatabaseIsOneLineNotAStackTrace() throws Exception {
        Path nowhere = dir.resolve("nowhere.json");
        oneErrorLine(run("config", "import", "--data-dir", dir.resolve("b").toString(), nowhere.toString()),
                "no such file or directory: " + nowhere);
        assertEquals(1, run("config", "import", "--data-dir", dir.resolve("b").toString(), nowhere.toString()).code());

        Path latin1 = dir.resolve("latin1.json");
        Files.write(latin1, "{\"format\": \"homerouter-config\", \"caf\u00e9\": 1}".getBytes(StandardCharsets.ISO_8859_1));
        oneErrorLine(run("config", "import", "--data-dir", dir.resolve("b").toString(), latin1.toString()),
                latin1 + " is not UTF-8 text (an export is): was it saved in another encoding?");

        Path damaged = dir.resolve("damaged");
        Files.createDirectories(damaged);
        Files.write(damaged.resolve("appliance.db"), new byte[4096]); // zeros: no SQLite header
        Run status = run("status", "--data-dir", damaged.toString());
        assertEquals(1, status.code(), status.err());
        assertTrue(status.err().startsWith("error: the settings database is damaged") && status.err().strip().lines()
                .count() == 1, status.err());
    }

    /**
     * A backup saved by an editor that puts a byte-order mark first imports, as on the System page;
     * the output says what a service running on that database makes of it.
     */
    @Test
    void aBackupWithAByteOrderMarkImportsAndTheOutputSaysWhenItTakesEffect() throws Exception {
        Path a = dir.resolve("a");
        try (ApplianceStore store = ApplianceStore.open(a.resolve("appliance.db"))) {
            store.addUser(new VpnUser("alice", NtPasswordHash.of("alice password"), Optional.empty(), true,
                    Optional.empty()), "added");
        }
        Path file = dir.resolve("export.json");
        Run exported = run("config", "export", "--data-dir", a.toString(), "-o", file.toString());
        assertEquals("exported the settings and 1 users of " + a.resolve("appliance.db").toAbsolutePath() + " to "
                + file.toAbsolutePath(), exported.out().strip());
        byte[] json = Files.readAllBytes(file);
        byte[] withBom = new byte[json.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(json, 0, withBom, 3, json.length);
        Files.write(file, withBom);

        Path b = dir.resolve("b");
        Run imported = run("config", "import", "--data-dir", b.toString(), file.toString());
        assertEquals(0, imported.code(), imported.err());
        try (ApplianceStore store = ApplianceStore.open(b.resolve("appliance.db"))) {
            assertTrue(store.user("alice").isPresent());
        }
        assertTrue(imported.out().contains("users into " + b.resolve("appliance.db").toAbsolutePath()), imported.out());
        assertTrue(imported.out().contains("logins use the imported accounts at once; its settings take effect when it"
                + " restarts (on the router: systemctl restart homerouter, which also ends every session) or when the"
                + " VPN server page is saved (which asks first if that disconnects anyone). Until then"
                + " the sessions up now stay connected, also those of accounts removed or given a new password"),
                imported.out());
    }
}
