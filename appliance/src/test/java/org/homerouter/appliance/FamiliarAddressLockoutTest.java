package org.homerouter.appliance;

import static org.homerouter.appliance.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.session.SessionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anyone on the internet can keep a VPN user name locked with a guess per lockout: its owner still
 * dials in from an address they logged in from before, also after the service restarts.
 */
class FamiliarAddressLockoutTest {
    private static final String HOME = "127.0.1.1";
    /** Another address of home's /24, as a phone's carrier-grade NAT hands out from one call to the next. */
    private static final String NEAR_HOME = "127.0.1.2";

    @TempDir
    Path dir;

    @Test
    void aNameLockedByGuessesStillLetsItsOwnerInFromHomeAndAfterARestart() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client before = net.dialFrom(a.pptpAddress(), "alice", "alice password", HOME);
            before.tunnelAddress();
            before.hangUp();
            lockByGuesses(net, a);
            assertRefused(a, SessionEnd.LOCKED_OUT, "from a new address",
                    () -> net.dial(a.pptpAddress(), "alice", "alice password"));
            net.dialFrom(a.pptpAddress(), "alice", "alice password", HOME).tunnelAddress(); // alice is let in from home
            Eventually.until("alice's session from home recorded",
                    () -> a.store().sessionHistory(10, true), rows -> rows.size() == 1);
        }
        // The lockout is in memory, the guesser goes on after the restart; home is remembered from the history.
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            lockByGuesses(net, a);
            assertRefused(a, SessionEnd.LOCKED_OUT, "from a new address",
                    () -> net.dial(a.pptpAddress(), "alice", "alice password"));
            net.dialFrom(a.pptpAddress(), "alice", "alice password", HOME).tunnelAddress();
            net.dialFrom(a.pptpAddress(), "alice", "alice password", NEAR_HOME).tunnelAddress(); // its /24 is home too
        }
    }

    /**
     * Who logged in with a password that has since been changed (a leaked one, as often as not) is
     * no longer spared the name's lockout where they did: the change forgets where the name
     * logged in before.
     */
    @Test
    void aChangedPasswordForgetsWhereTheNameLoggedInBefore() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client leaked = net.dialFrom(a.pptpAddress(), "alice", "alice password", HOME);
            leaked.tunnelAddress();
            leaked.hangUp();
            UiClient ui = UiClient.setUp(a.uiPort());
            assertEquals(303, ui.post("/users/password", "name", "alice", "password", "a new password",
                    "password_again", "a new password").statusCode());
            lockByGuesses(net, a);
            assertRefused(a, SessionEnd.LOCKED_OUT, "from where the old password logged in",
                    () -> net.dialFrom(a.pptpAddress(), "alice", "a new password", HOME));
        }
        // The history still has that login: a restart (an upgrade, a power cut) must not make it familiar again.
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            lockByGuesses(net, a);
            assertRefused(a, SessionEnd.LOCKED_OUT, "after a restart, from where the old password logged in",
                    () -> net.dialFrom(a.pptpAddress(), "alice", "a new password", HOME));
        }
    }

    /**
     * A shared account's password is changed; a colleague's laptop, still set up with the old one,
     * keeps dialling. Those logins count toward no lockout (they were a guess each before, and
     * five locked the account for every colleague, from every new address), and the Logs page
     * says what they are.
     */
    @Test
    void aDeviceStillUsingThePasswordFromBeforeItsChangeLocksNobodyOutAndIsNamed() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            UiClient ui = UiClient.setUp(a.uiPort());
            assertEquals(303, ui.post("/users/password", "name", "alice", "password", "a new password",
                    "password_again", "a new password").statusCode());
            for (int i = 0; i < 8; i++) {
                assertRefused(a, SessionEnd.PREVIOUS_PASSWORD, "with the old password",
                        () -> net.dial(a.pptpAddress(), "alice", "alice password"));
            }
            net.dial(a.pptpAddress(), "alice", "a new password").tunnelAddress(); // a colleague, from a new address
            List<String> events = a.store().recentEvents(40);
            assertTrue(events.stream().anyMatch(e -> e.contains("the old password, from before it was changed")
                    || e.contains("the password from before its last change")), events.toString());
            // A guess is still a guess.
            lockByGuesses(net, a);
            assertRefused(a, SessionEnd.LOCKED_OUT, "after five guesses",
                    () -> net.dial(a.pptpAddress(), "alice", "a new password"));
        }
    }

    /** A name deleted and added again is another account: its logins before do not spare the new one. */
    @Test
    void aNameDeletedAndAddedAgainIsNotSparedWhereTheOldAccountLoggedIn() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            loginFromHome(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());
            assertEquals(303, ui.post("/users/delete", "name", "alice", "confirm", "yes").statusCode());
            assertEquals(303, ui.post("/users/add", "name", "alice", "password", "alice password", "password_again",
                    "alice password", "enabled", "on", "static_address", "").statusCode());
        }
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            lockByGuesses(net, a);
            assertRefused(a, SessionEnd.LOCKED_OUT, "after a restart, from where the deleted account logged in",
                    () -> net.dialFrom(a.pptpAddress(), "alice", "alice password", HOME));
        }
    }

    /** Disabling an account (it was misused, as often as not) forgets its addresses, also for after a restart. */
    @Test
    void anAccountDisabledAndEnabledAgainIsNotSparedWhereItLoggedInBefore() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            loginFromHome(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());
            assertEquals(303, ui.post("/users/edit", "name", "alice", "static_address", "").statusCode());
            assertEquals(303, ui.post("/users/edit", "name", "alice", "enabled", "on", "static_address", "").statusCode());
        }
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            lockByGuesses(net, a);
            assertRefused(a, SessionEnd.LOCKED_OUT,
                    "after a restart, from where the account logged in before it was disabled",
                    () -> net.dialFrom(a.pptpAddress(), "alice", "alice password", HOME));
        }
    }

    /**
     * Importing a configuration that leaves an account as it was (the router's own export) keeps
     * where it logged in, after a restart too; one that gives it another password does not.
     */
    @Test
    void anImportForgetsWhereAnAccountLoggedInOnlyIfItChangesThePassword() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice", "bob");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            loginFromHome(net, a, "alice");
            loginFromHome(net, a, "bob");
            UiClient ui = UiClient.setUp(a.uiPort());
            String exported = ui.export();
            assertEquals(303, ui.post("/system/import", "config", exported, "replace", "on").statusCode());
            String bobsNewHash = java.util.HexFormat.of().formatHex(
                    org.homerouter.pptp.auth.NtPasswordHash.of("bob's new password"));
            String bobsOldHash = java.util.HexFormat.of().formatHex(
                    org.homerouter.pptp.auth.NtPasswordHash.of("bob password"));
            assertTrue(exported.contains(bobsOldHash), exported);
            assertEquals(303, ui.post("/system/import", "config", exported.replace(bobsOldHash, bobsNewHash), "replace",
                    "on").statusCode());
        }
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            lockByGuesses(net, a, "alice");
            lockByGuesses(net, a, "bob");
            loginFromHome(net, a, "alice"); // left as it was: still let in from home
            assertRefused(a, SessionEnd.LOCKED_OUT, "after a restart, from where bob's old password logged in",
                    () -> net.dialFrom(a.pptpAddress(), "bob", "bob's new password", HOME));
        }
    }

    /**
     * An import the router cannot run with (its port taken) is undone whole: also where the accounts
     * it lacked or changed logged in stays remembered, after a restart too, as if it was never tried.
     */
    @Test
    void anImportUndoneForATakenPortKeepsWhereTheAccountLoggedIn() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        // The stored listener, not the command line's: the import's port is then the one tried.
        try (org.homerouter.appliance.store.ApplianceStore store = org.homerouter.appliance.store.ApplianceStore.open(db)) {
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PPTP_LISTEN_ADDRESS, "127.0.0.1",
                    org.homerouter.appliance.store.Setting.PPTP_PORT, Integer.toString(port)));
        }
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
            loginFromHome(net, a);
            UiClient ui = UiClient.setUp(a.uiPort());
            String exported = ui.export();
            String document = exported.replace("\"pptp.port\": \"" + port + "\"", "\"pptp.port\": \""
                    + taken.getLocalPort() + "\"").replaceFirst("\\{\"name\": \"alice\"[^}]*}", "");
            assertTrue(!document.contains("alice") && document.contains(Integer.toString(taken.getLocalPort())), document);
            var refused = ui.post("/system/import", "config", document, "replace", "on");
            assertEquals(400, refused.statusCode(), refused.body());
            assertEquals(exported, ui.export(), "undone");
        }
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides(null, null, 0), net.dataPlane())) {
            lockByGuesses(net, a);
            loginFromHome(net, a); // still let in from home
        }
    }

    private static void loginFromHome(InMemoryDialIn net, Appliance a) throws Exception {
        loginFromHome(net, a, "alice");
    }

    /** {@code user} dials in with its password from {@link #HOME} and hangs up, its session recorded. */
    private static void loginFromHome(InMemoryDialIn net, Appliance a, String user) throws Exception {
        InMemoryDialIn.Client c = net.dialFrom(a.pptpAddress(), user, user + " password", HOME);
        c.tunnelAddress();
        c.hangUp();
        c.ended.get(10, TimeUnit.SECONDS);
        Eventually.until(user + "'s session from home recorded as ended",
                () -> a.store().sessionHistory(10, true), List::isEmpty);
    }

    private static void lockByGuesses(InMemoryDialIn net, Appliance a) throws Exception {
        lockByGuesses(net, a, "alice");
    }

    /** Five wrong passwords, each from its own address: the name is locked, no address is. */
    private static void lockByGuesses(InMemoryDialIn net, Appliance a, String user) throws Exception {
        for (int i = 0; i < 5; i++) {
            net.dial(a.pptpAddress(), user, "wrong " + i).ended.get(10, TimeUnit.SECONDS);
        }
    }
}
