package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SessionEndLineTest {
    /** The end of a session that was up names its user, device, length and traffic each way. */
    @Test
    void aSessionThatWasUpEndsWithWhoWhereHowLongAndHowMuch() {
        TrafficCounters traffic = new TrafficCounters();
        traffic.received(1500);
        traffic.received(40);
        synchronized (traffic.txLock) {
            traffic.sent(89);
        }
        assertEquals(" [user alice, device ppp0, 1 h 2 min 5 s, 1540 bytes in, 89 bytes out]",
                SessionEndLine.facts("alice", "ppp0", 3725_400_000_000L, traffic));
    }

    /** A call that never logged in has no user, device or traffic to name: only how long it lasted. */
    @Test
    void aCallThatNeverCameUpSaysHowLongItLasted() {
        assertEquals(" [42 s]", SessionEndLine.facts(null, null, 42_900_000_000L, null));
        assertEquals(" [user guess, 3 min 5 s]", SessionEndLine.facts("guess", null, 185_000_000_000L, null));
    }
}
