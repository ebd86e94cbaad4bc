package org.homerouter.pptp.ppp.lcp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The keepalive's schedule, and the hurried check a new login of the same account asks for. */
class EchoKeepaliveTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    /**
     * A hurried check ends a silent link after three unanswered requests a second apart, whatever
     * the keepalive's own count (five here): with the setting's count, the login waiting for it
     * (at most 4 s) gave up first and the check did nothing. A reply returns to the usual schedule.
     */
    @Test
    void aHurriedCheckGivesUpAfterThreeSecondsWhateverTheUsualCount() {
        EchoKeepalive k = new EchoKeepalive(Duration.ofSeconds(20), 5);
        k.start(0);
        k.hurry(0, SECOND);
        for (int i = 0; i < 3; i++) {
            assertTrue(k.isDue(i * SECOND), "a request at " + i + " s");
            assertFalse(k.exhausted());
            k.requestSent();
        }
        assertTrue(k.isDue(3 * SECOND));
        assertTrue(k.exhausted(), "dead after three unanswered, at 3 s");

        EchoKeepalive answered = new EchoKeepalive(Duration.ofSeconds(20), 5);
        answered.start(0);
        answered.hurry(0, SECOND);
        answered.requestSent();
        answered.replyReceived(SECOND / 2);
        assertFalse(answered.isDue(2 * SECOND), "back to every 20 s");
        assertTrue(answered.isDue(SECOND / 2 + 20 * SECOND));
    }
}
