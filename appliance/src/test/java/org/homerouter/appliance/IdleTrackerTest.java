package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void aSessionThatEndedDuringATickIsNotKept() {
        t.idle("alice", 1, 0, limit);
        t.idle("bob", 1, 0, limit);
        // The tick took its list of sessions; alice ends (forget) before the tick reaches her.
        t.forget("alice");
        t.idle("alice", 1, MIN, limit);
        t.idle("bob", 1, MIN, limit);
        // The next tick's list no longer has her.
        t.retainOnly(java.util.List.of("bob"));
        assertEquals(1, t.size());
        assertFalse(t.idle("alice", 1, 30 * MIN, limit), "had she been kept she would read as idle");
    }
}
