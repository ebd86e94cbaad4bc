package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.LogCapture;
import org.junit.jupiter.api.Test;

/** How often one account may log in, and what a loop of logins costs the log and the memory. */
class LoginPaceTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** A login let in ({@link LoginPace#refuses}) whose session came up. */
    private static boolean login(LoginPace pace, String account, long now) {
        return pace.refuses(account, now, LoginPace.BURST).isEmpty();
    }

    /**
     * The burst, then one login every 30 s; each account on its own. A loop refused for ten minutes
     * writes one line, not one per attempt; the next period writes the next, with the count.
     */
    @Test
    void anAccountGetsTheBurstThenOneLoginEvery30sAndItsRefusalsAreLoggedOncePerPeriod() {
        try (LogCapture log = LogCapture.start()) {
            burstThenOneEvery30sLoggedOncePerPeriod(log);
        }
    }

    private static void burstThenOneEvery30sLoggedOncePerPeriod(LogCapture log) {
        String line = "WARN alice logged in more than 20 times in quick succession, then more than 2 a minute:"
                + " its logins are refused until it waits (the password was right)";
        LoginPace pace = new LoginPace();
        long now = 1_000 * SECOND;
        for (int i = 0; i < LoginPace.BURST; i++) {
            assertTrue(login(pace, "alice", now), "login " + (i + 1) + " of the burst");
        }
        String why = pace.refuses("alice", now, LoginPace.BURST).orElseThrow();
        assertEquals("alice logged in more than 20 times in quick succession, then more than 2 a minute", why);
        assertTrue(login(pace, "bob", now), "another account is not affected");
        for (int s = 1; s < 30; s++) {
            assertFalse(login(pace, "alice", now + s * SECOND), "refused " + s + " s later");
        }
        assertTrue(login(pace, "alice", now + 31 * SECOND), "one more once 30 s have passed");
        assertFalse(login(pace, "alice", now + 32 * SECOND));
        assertEquals(List.of(line), log.lines(), "31 refusals, one line");
        assertTrue(login(pace, "alice", now + LoginPace.LOGGED_EVERY_NANOS + 32 * SECOND), "refilled");
        for (int i = 0; i < LoginPace.BURST; i++) {
            login(pace, "alice", now + LoginPace.LOGGED_EVERY_NANOS + 33 * SECOND);
        }
        assertEquals(List.of(line, line + "; 30 more refused since this was last logged"), log.lines(),
                "the next period's first refusal is logged, with the count of those not logged");
    }

    /**
     * A login let in whose session never came up (refused for its encryption, say) spends none:
     * such a device is budgeted as a failed attempt, and is told the truth about its encryption.
     */
    @Test
    void aLoginWhoseSessionNeverCameUpSpendsNothing() {
        LoginPace pace = new LoginPace();
        for (int i = 0; i < 3 * LoginPace.BURST; i++) {
            assertTrue(pace.refuses("carol", 0, LoginPace.BURST).isEmpty(), "login " + (i + 1));
            pace.neverCameUp("carol", 0);
        }
    }

    /**
     * Logins let in at the same moment take a login each: with one left, the per-user limit's 8
     * parallel calls all passed a check of one token, and each refill let 8 in, for ever.
     */
    @Test
    void loginsAtTheSameMomentTakeOneEach() {
        LoginPace pace = new LoginPace();
        for (int i = 0; i < LoginPace.BURST - 1; i++) {
            assertTrue(login(pace, "dave", 0));
        }
        int letIn = 0;
        for (int parallel = 0; parallel < 8; parallel++) {
            letIn += login(pace, "dave", 0) ? 1 : 0;
        }
        assertEquals(1, letIn, "one login left, one let in");
    }

    /** An office sharing one account, its per-user limit raised to 30, connects at 9:00: all 30 get in, twice. */
    @Test
    void theBurstFollowsThePerUserLimit() {
        LoginPace pace = new LoginPace();
        int burst = LoginPace.burstFor(30);
        assertEquals(60, burst);
        assertEquals(LoginPace.BURST, LoginPace.burstFor(8));
        for (int i = 0; i < burst; i++) {
            assertTrue(pace.refuses("office", 0, burst).isEmpty(), "login " + (i + 1));
        }
        assertTrue(pace.refuses("office", 0, burst).isPresent());
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
