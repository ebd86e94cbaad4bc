package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IdleTrackerTest {
    private static final long MIN = Duration.ofMinutes(1).toNanos();
    private final IdleTracker<String> t = new IdleTracker<>();
    private final Duration limit = Duration.ofMinutes(10);

    @Test
    void aSessionIsIdleOnlyAfterTheWholeTimeoutWithoutTraffic() {
        assertFalse(t.idle("alice", 100, 0, limit));
        assertFalse(t.idle("alice", 100, 9 * MIN, limit));
        assertTrue(t.idle("alice", 100, 10 * MIN, limit));
    }

    @Test
    void trafficRestartsTheCount() {
        t.idle("alice", 100, 0, limit);
        assertFalse(t.idle("alice", 101, 9 * MIN, limit));
        assertFalse(t.idle("alice", 101, 18 * MIN, limit));
        assertTrue(t.idle("alice", 101, 19 * MIN, limit));
    }

    @Test
    void sessionsAreCountedSeparatelyAndForgotten() {
        t.idle("alice", 1, 0, limit);
        t.idle("bob", 1, 5 * MIN, limit);
        assertTrue(t.idle("alice", 1, 10 * MIN, limit));
        assertFalse(t.idle("bob", 1, 10 * MIN, limit));
        t.forget("alice");
        assertFalse(t.idle("alice", 1, 30 * MIN, limit), "a forgotten session starts over");
    }
}
