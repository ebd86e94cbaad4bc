package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How often one account may log in, and what a loop of logins costs the log and the memory. */
class LoginPaceTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** A login let in ({@link LoginPace#refuses}) whose session came up. */
    private static boolean login(LoginPace pace, String account, long now) {
        if (pace.refuses(account, now).isPresent()) {
            return false;
        }
        pace.cameUp(account, now);
        return true;
    }

    /**
     * The burst, then one login every 30 s; each account on its own. A loop refused for ten minutes
     * writes one line, not one per attempt; the next period writes the next, with the count.
     */
    @Test
    void anAccountGetsTheBurstThenOneLoginEvery30sAndItsRefusalsAreLoggedOncePerPeriod() {
        LoginPace pace = new LoginPace();
        long now = 1_000 * SECOND;
        for (int i = 0; i < LoginPace.BURST; i++) {
            assertTrue(login(pace, "alice", now), "login " + (i + 1) + " of the burst");
        }
        String why = pace.refuses("alice", now).orElseThrow();
        assertEquals("alice logged in more than 20 times in quick succession, then more than 2 a minute", why);
        assertTrue(login(pace, "bob", now), "another account is not affected");
        for (int s = 1; s < 30; s++) {
            assertFalse(login(pace, "alice", now + s * SECOND), "refused " + s + " s later");
        }
        assertTrue(login(pace, "alice", now + 31 * SECOND), "one more once 30 s have passed");
        assertFalse(login(pace, "alice", now + 32 * SECOND));
        assertEquals(1, pace.linesLogged(), "31 refusals, one line");
        assertTrue(login(pace, "alice", now + LoginPace.LOGGED_EVERY_NANOS + 32 * SECOND), "refilled");
        for (int i = 0; i < LoginPace.BURST; i++) {
            login(pace, "alice", now + LoginPace.LOGGED_EVERY_NANOS + 33 * SECOND);
        }
        assertEquals(2, pace.linesLogged(), "the next period's first refusal is logged");
    }

    /**
     * A login let in whose session never came up (refused for its encryption, say) spends none:
     * such a device is budgeted as a failed attempt, and is told the truth about its encryption.
     */
    @Test
    void aLoginWhoseSessionNeverCameUpSpendsNothing() {
        LoginPace pace = new LoginPace();
        for (int i = 0; i < 3 * LoginPace.BURST; i++) {
            assertTrue(pace.refuses("carol", 0).isEmpty(), "login " + (i + 1));
        }
    }

    /** Only accounts reach it, and a router has few; still it never remembers more than its bound. */
    @Test
    void itRemembersABoundedNumberOfAccounts() {
        LoginPace pace = new LoginPace();
        for (int i = 0; i < LoginPace.REMEMBERED + 100; i++) {
            login(pace, "user" + i, 0);
        }
        assertEquals(LoginPace.REMEMBERED, pace.remembered());
    }
}
