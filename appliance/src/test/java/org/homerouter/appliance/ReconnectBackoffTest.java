package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How soon the router tries again after its site-to-site tunnel failed or dropped. */
class ReconnectBackoffTest {
    private final ReconnectBackoff backoff = new ReconnectBackoff();

    @Test
    void failedAttemptsWaitTwoSecondsDoublingToAMinute() {
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waits.add(backoff.failed().toSeconds());
        }
        assertEquals(List.of(2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L), waits);
    }

    @Test
    void aSessionThatStayedUpAMinuteResetsTheWait() {
        for (int i = 0; i < 6; i++) {
            backoff.failed();
        }
        assertEquals(Duration.ofSeconds(2), backoff.ended(Duration.ofMinutes(5)));
        assertEquals(Duration.ofSeconds(4), backoff.failed());
    }

    @Test
    void aSessionThatDroppedAtOnceKeepsBackingOff() {
        backoff.failed();
        backoff.failed();
        // Up for 3 s, then down: a server that accepts and drops must not be redialed every 2 s.
        assertEquals(Duration.ofSeconds(8), backoff.ended(Duration.ofSeconds(3)));
    }
}
