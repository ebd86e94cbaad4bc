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

    /** An account's lockout is logged even once guesses at that very account have used up its failures' budget. */
    @Test
    void anAccountsLockoutIsNeverLeftOut() {
        for (int i = 0; i < 100; i++) {
            lines.failed("call " + i + " (198.51.100.7)", "alice", true, false, "wrong password", List.of());
        }
        log.clear();
        lines.failed("call 100 (198.51.100.7)", "alice", true, false, "wrong password",
                List.of(new AuthFailureLockout.Lockout("user alice", 100, java.time.Duration.ofMinutes(15))));
        assertEquals(List.of("WARN call 100 (198.51.100.7): user alice is now locked out for 900 s after 100 failed logins"),
                log.lines());
    }

    /** A guess left out says so, so that the session's end is not taken as logged (its line has its own chance). */
    @Test
    void aGuessLeftOutIsNotTakenAsLogged() {
        boolean last = true;
        for (int i = 0; i < 100; i++) {
            last = lines.failed("call " + i + " (198.51.100.7)", "guess" + i, false, false, "no such user", List.of());
        }
        assertFalse(last, "the hundredth guess at once is over the budget");
        assertTrue(lines.failed("call 100 (198.51.100.7)", "alice", true, true, "wrong password", List.of()),
                "a link logged in before is always logged");
    }
}
