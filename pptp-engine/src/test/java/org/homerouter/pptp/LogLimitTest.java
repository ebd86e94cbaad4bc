package org.homerouter.pptp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogLimitTest {
    @Test
    void aFloodIsLoggedUpToItsBudgetAndTheNextLineSaysHowManyWereLeftOut() {
        AtomicLong now = new AtomicLong();
        LogLimit limit = new LogLimit(now::get);
        int written = 0;
        for (int i = 0; i < 10_000; i++) {
            if (limit.admit() != null) {
                written++;
            }
        }
        assertEquals(LogLimit.BURST, written, "lines written of 10,000 at once");
        now.addAndGet(1_000_000_000L); // a second: one more line's worth at 60 a minute
        assertEquals(" (" + (10_000 - LogLimit.BURST) + " more like this not logged)", limit.admit());
        assertNull(limit.admit());
        now.addAndGet(60_000_000_000L);
        assertEquals(" (1 more like this not logged)", limit.admit());
        assertEquals("", limit.admit(), "nothing left out since");
    }
}
