package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anyone on the internet can keep a VPN user name locked with a guess per lockout: its owner still
 * dials in from an address they logged in from before, also after the service restarts.
 */
class FamiliarAddressLockoutTest {
    private static final String HOME = "127.0.1.1";

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
            assertRefused(net.dial(a.pptpAddress(), "alice", "alice password"), "from a new address");
            net.dialFrom(a.pptpAddress(), "alice", "alice password", HOME).tunnelAddress(); // alice is let in from home
            Eventually.value(() -> a.store().sessionHistory(10, true), rows -> rows.size() == 1);
        }
        // The lockout is in memory, the guesser goes on after the restart; home is remembered from the history.
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            lockByGuesses(net, a);
            assertRefused(net.dial(a.pptpAddress(), "alice", "alice password"), "from a new address");
            net.dialFrom(a.pptpAddress(), "alice", "alice password", HOME).tunnelAddress();
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
            assertRefused(net.dialFrom(a.pptpAddress(), "alice", "a new password", HOME), "from where the old password logged in");
        }
    }

    /** Five wrong passwords, each from its own address: the name is locked, no address is. */
    private static void lockByGuesses(InMemoryDialIn net, Appliance a) throws Exception {
        for (int i = 0; i < 5; i++) {
            net.dial(a.pptpAddress(), "alice", "wrong " + i).ended.get(10, TimeUnit.SECONDS);
        }
    }

    private static void assertRefused(InMemoryDialIn.Client c, String why) throws Exception {
        c.ended.get(10, TimeUnit.SECONDS);
        assertFalse(c.up.isDone() && !c.up.isCompletedExceptionally(), "refused " + why);
    }
}
