package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RepeatedFailuresTest {
    /** In {@link System#nanoTime()}'s unit. */
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    @Test
    void aFailureRepeatedEveryMinuteIsLoggedOnceAnHourWithTheCountItLeftOut() {
        RepeatedFailures r = new RepeatedFailures(Duration.ofHours(1));
        assertEquals("", r.admit("no answer", 0));
        for (int m = 1; m < 60; m++) {
            assertNull(r.admit("no answer", m * MINUTE), "minute " + m);
        }
        assertEquals(" (the same failure 59 more times before this one, not logged one by one)",
                r.admit("no answer", 60 * MINUTE));
        assertEquals("", r.admit("refused", 61 * MINUTE), "another failure is logged at once");
        assertNull(r.admit("refused", 62 * MINUTE));
        assertNull(r.admit("refused", 63 * MINUTE));
        assertEquals(" (after the last failure logged, 2 more the same way)", r.reset(), "told when the tunnel comes up");
        assertEquals("", r.admit("refused", 64 * MINUTE), "and the next failure is logged again");

        assertNull(r.admit("refused", 65 * MINUTE));
        assertNull(r.admit("refused", 66 * MINUTE));
        assertEquals(" (before it, the previous failure 2 more times, not logged one by one)",
                r.admit("no route", 67 * MINUTE), "a new failure tells what the old one left out");
    }
}
