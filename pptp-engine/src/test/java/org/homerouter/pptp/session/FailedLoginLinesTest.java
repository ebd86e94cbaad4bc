package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.LogCapture;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FailedLoginLinesTest {
    private final LogCapture log = LogCapture.start();
    private final FailedLoginLines lines = new FailedLoginLines(LoggerFactory.getLogger(PppSession.class), new LogLimit());
    private final AuthFailureLockout lockout = AuthFailureLockout.defaults(new ManualClock());

    @AfterEach
    void stopCapture() {
        log.close();
    }

    /**
     * Under a flood of guesses at names the router does not have, alice's own failed logins, and
     * the lockout the fifth begins, are still in the journal, without the guesses' count. Before,
     * one budget for all left them out once the guesses had used it up.
     */
    @Test
    void aRealUsersFailuresAndLockoutAreLoggedDuringAFloodOfGuesses() throws Exception {
        for (int i = 0; i < 1000; i++) {
            lines.failed("call " + i + " (198.51.100.7)", "guess" + i, false, false, "no such user", List.of());
        }
        assertTrue(log.lines().size() <= 25, "the guesses stay within their budget: " + log.lines().size());
        log.clear();

        InetAddress alicesPhone = InetAddress.ofLiteral("203.0.113.5");
        boolean written = true;
        for (int i = 0; i < 5; i++) {
            written &= lines.failed("call 2000 (203.0.113.5)", "alice", true, false, "wrong password",
                    lockout.failed("alice", alicesPhone));
        }
        assertTrue(written, "each of alice's failures was logged");
        assertEquals(List.of(
                "WARN call 2000 (203.0.113.5): login of alice failed: wrong password",
                "WARN call 2000 (203.0.113.5): login of alice failed: wrong password",
                "WARN call 2000 (203.0.113.5): login of alice failed: wrong password",
                "WARN call 2000 (203.0.113.5): login of alice failed: wrong password",
                "WARN call 2000 (203.0.113.5): login of alice failed: wrong password",
                "WARN call 2000 (203.0.113.5): user alice is now locked out for 30 s after 5 failed logins"), log.lines());
    }

    /**
     * An account's lockout is logged even once guesses at that very account have used up its
     * failures' budget, and a flood of addresses' lockouts the budget of other lockouts' lines.
     */
    @Test
    void anAccountsLockoutIsNeverLeftOut() {
        for (int i = 0; i < 100; i++) {
            lines.failed("call " + i + " (198.51.100.7)", "alice", true, false, "wrong password", List.of());
        }
        for (int i = 0; i < 25; i++) { // beyond the budget of 20 at once the other lockouts' lines share
            lines.failed("call " + (200 + i) + " (198.51.100." + i + ")", "guess" + i, false, false, "no such user",
                    List.of(new AuthFailureLockout.Lockout("address 198.51.100." + i, 20, java.time.Duration.ofMinutes(1))));
        }
        log.clear();
        lines.failed("call 100 (198.51.100.7)", "alice", true, false, "wrong password",
                List.of(new AuthFailureLockout.Lockout("user alice", 100, java.time.Duration.ofMinutes(15))));
        // Another address's lockout, left out: the budget was spent when alice's line was written.
        lines.failed("call 300 (198.51.100.99)", "guess", false, false, "no such user",
                List.of(new AuthFailureLockout.Lockout("address 198.51.100.99", 20, java.time.Duration.ofMinutes(1))));
        assertEquals(List.of("WARN call 100 (198.51.100.7): user alice is now locked out for 900 s after 100 failed logins"),
                log.lines().stream().filter(l -> l.contains("alice")).toList(), "alice's lockout, and no other line of hers");
    }

    /**
     * A stranger's guess is counted once in the strangers' budget: left out, it is taken as
     * accounted for, so its session's end (the same guess) is not counted there again; and the
     * next line written says how many guesses were left out, not twice that. An account's failure
     * left out of its own budget is not accounted for: its session's end has its chance.
     */
    @Test
    void aGuessLeftOutIsCountedOnceNotAgainAtItsEnd() throws Exception {
        LogLimit strangers = new LogLimit();
        FailedLoginLines shared = new FailedLoginLines(LoggerFactory.getLogger(PppSession.class), strangers);
        int written = 0;
        boolean lastAccounted = false;
        for (int i = 0; i < 100; i++) {
            int before = log.lines().size();
            lastAccounted = shared.failed("call " + i + " (198.51.100.7)", "guess" + i, false, false,
                    "no such user", List.of());
            written += log.lines().size() - before;
            if (!lastAccounted && strangers.admit() != null) {
                written++; // as PppSession logs the end of a session whose failure is not accounted for
            }
        }
        Thread.sleep(1100); // a token more for the next line
        log.clear();
        shared.failed("call 100 (198.51.100.7)", "guess100", false, false, "no such user", List.of());
        assertEquals(List.of("WARN call 100 (198.51.100.7): login of guess100 failed: no such user (" + (100 - written)
                + " more like this not logged)"), log.lines());
        assertTrue(lastAccounted, "the hundredth guess at once, over the budget, is accounted for all the same");

        for (int i = 0; i < 100; i++) {
            lines.failed("call " + i + " (198.51.100.7)", "alice", true, false, "wrong password", List.of());
        }
        assertFalse(lines.failed("call 100 (198.51.100.7)", "alice", true, false, "wrong password", List.of()),
                "alice's hundredth failure at once is over her budget, and her session's end has its chance");
        assertTrue(lines.failed("call 100 (198.51.100.7)", "alice", true, true, "wrong password", List.of()),
                "a link logged in before is always logged");
    }
}
