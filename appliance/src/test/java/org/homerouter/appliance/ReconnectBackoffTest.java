package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How soon the router tries again after its site-to-site tunnel failed or dropped. */
class ReconnectBackoffTest {
    private final ReconnectBackoff backoff = new ReconnectBackoff(() -> 0.5);

    @Test
    void failedAttemptsWaitTwoSecondsDoublingToAMinute() {
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waits.add(backoff.failed().toSeconds());
        }
        assertEquals(List.of(2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L), waits);
    }

    @Test
    void routersThatLostTheSameServerDoNotAllDialAgainInTheSameSecond() {
        // The office's server restarts: every branch's tunnel drops at once. Their waits spread
        // over a quarter either way, at the first retry and at the minute-long ones alike.
        ReconnectBackoff soonest = new ReconnectBackoff(() -> 0.0);
        ReconnectBackoff latest = new ReconnectBackoff(() -> Math.nextDown(1.0));
        List<Duration> early = new ArrayList<>();
        List<Duration> late = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            early.add(soonest.failed());
            late.add(latest.failed());
        }
        assertEquals(Duration.ofMillis(1500), early.get(0));
        assertEquals(Duration.ofMillis(2500), late.get(0));
        assertEquals(Duration.ofSeconds(45), early.get(6));
        assertEquals(Duration.ofSeconds(75), late.get(6));
        // Used as given, the real source spreads too: 50 draws do not all land on one value.
        java.util.Set<Duration> firsts = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            firsts.add(new ReconnectBackoff().failed());
        }
        assertTrue(firsts.size() > 1, "fifty routers' first waits: " + firsts);
        assertTrue(firsts.stream().allMatch(d -> d.toMillis() >= 1500 && d.toMillis() <= 2500), firsts.toString());
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
