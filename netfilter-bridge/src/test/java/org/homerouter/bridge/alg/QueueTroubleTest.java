package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The queue's two troubles reach the event log each on its own budget: overflows while the ALG
 * falls behind come in streams, and used to keep a refused verdict (a different fault, with its
 * errno) out of the log for the ten minutes after the first overflow line, and the other way round.
 */
class QueueTroubleTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aRefusedVerdictIsLoggedRightAfterAnOverflowAndTheOtherWayRound() {
        AlgProblems problems = new AlgProblems(Duration.ofMinutes(10));
        List<String> events = new CopyOnWriteArrayList<>();
        problems.sendTo(events::add);
        QueueTrouble trouble = new QueueTrouble(problems);

        trouble.seen(1, 0, "");
        problems.flush(SECOND);
        trouble.seen(2, 1, "verdict: ENOENT (no such file or directory)");
        problems.flush(2 * SECOND);
        assertEquals(2, events.size(), events.toString());
        assertTrue(events.get(0).contains("its queue overflowed 1 time(s)"), events.get(0));
        assertTrue(events.get(1).contains("the kernel refused 1 verdict(s)") && events.get(1).contains("ENOENT"),
                events.get(1));

        // Each within its own quiet period: held back, and counted in the next line of its kind.
        trouble.seen(3, 2, "verdict: ENOENT (no such file or directory)");
        problems.flush(3 * SECOND);
        assertEquals(2, events.size(), events.toString());
        trouble.seen(4, 2, "");
        problems.flush(11 * 60 * SECOND);
        assertEquals(4, events.size(), events.toString());
        assertTrue(events.get(2).contains("overflowed 4 time(s)") && events.get(2).contains("and 2 more like it"),
                events.get(2));
        // The refused verdict held back has no next line of its kind to ride on: said at its period's end.
        assertTrue(events.get(3).startsWith("passthrough: 1 more like this within 10 minutes of it: the kernel refused"),
                events.get(3));
    }
}
