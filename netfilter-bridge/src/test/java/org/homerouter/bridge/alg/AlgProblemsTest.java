package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A LAN host in a loop makes a few lines in the event log, not thousands. */
class AlgProblemsTest {
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    @Test
    void oneLinePerKindPerQuietPeriodTheNextSayingHowManyWereLeftOut() {
        AlgProblems p = new AlgProblems(Duration.ofMinutes(10));
        List<String> log = new ArrayList<>();
        p.sendTo(log::add);
        for (int i = 0; i < 20; i++) {
            p.add("refused", "192.168.1.20's PPTP call to 203.0.113.9 was refused: call " + i);
        }
        p.add("rules", "192.168.1.30's PPTP call to 203.0.113.9 carries nothing yet");
        p.flush(0);
        assertEquals(List.of("passthrough: 192.168.1.20's PPTP call to 203.0.113.9 was refused: call 0",
                "passthrough: 192.168.1.30's PPTP call to 203.0.113.9 carries nothing yet"), log);

        p.add("refused", "later");
        p.flush(5 * MINUTE);
        assertEquals(2, log.size(), "still quiet");
        p.add("refused", "much later");
        p.flush(11 * MINUTE);
        assertEquals("passthrough: much later (and 20 more like it since the last one logged)", log.getLast());
    }

    /** A LAN host in a loop must not hide another client's refused call; a LAN of them is still a few lines. */
    @Test
    void eachLanClientsRefusalsHaveTheirOwnLineUpToFourClientsAPeriod() {
        AlgProblems p = new AlgProblems(Duration.ofMinutes(10));
        List<String> log = new ArrayList<>();
        p.sendTo(log::add);
        for (int i = 0; i < 50; i++) {
            p.add("refused", "192.168.1.66", "192.168.1.66's call " + i);
        }
        p.add("refused", "192.168.1.20", "192.168.1.20's call");
        for (int host = 1; host <= 5; host++) {
            p.add("refused", "10.0.0." + host, "10.0.0." + host + "'s call");
        }
        p.flush(0);
        assertEquals(List.of("passthrough: 192.168.1.66's call 0", "passthrough: 192.168.1.20's call",
                "passthrough: 10.0.0.1's call", "passthrough: 10.0.0.2's call"), log);
        p.add("refused", "10.0.0.9", "10.0.0.9's call");
        p.flush(11 * MINUTE);
        assertEquals(List.of("passthrough: 10.0.0.9's call (and 3 of other LAN clients not logged)",
                "passthrough: 49 more like this within 10 minutes of it: 192.168.1.66's call 0"), log.subList(4, log.size()));
    }

    /** A client whose problems stop after a burst: what was left out is said once its quiet period is over, and then forgotten. */
    @Test
    void whatWasLeftOutOfAClientThatWentQuietIsSaidWhenItsPeriodEnds() {
        AlgProblems p = new AlgProblems(Duration.ofMinutes(10));
        List<String> log = new ArrayList<>();
        p.sendTo(log::add);
        for (int i = 0; i < 5; i++) {
            p.add("refused", "192.168.1.66", "192.168.1.66's call " + i);
        }
        p.flush(0);
        p.flush(9 * MINUTE);
        assertEquals(List.of("passthrough: 192.168.1.66's call 0"), log);
        p.flush(10 * MINUTE);
        assertEquals("passthrough: 4 more like this within 10 minutes of it: 192.168.1.66's call 0", log.getLast());
        p.flush(30 * MINUTE);
        assertEquals(2, log.size(), "said once");
        p.add("refused", "192.168.1.66", "192.168.1.66's call 9");
        p.flush(31 * MINUTE);
        assertEquals("passthrough: 192.168.1.66's call 9", log.getLast());
    }

    @Test
    void aFloodBeyondWhatCanWaitIsCountedNotQueued() {
        AlgProblems p = new AlgProblems(Duration.ZERO);
        List<String> log = new ArrayList<>();
        p.sendTo(log::add);
        for (int i = 0; i < 1000; i++) {
            p.add("kind" + i, "problem " + i);
        }
        p.flush(0);
        assertEquals(64, log.size());
        assertEquals("passthrough: problem 0 (936 more came too fast to be looked at)", log.getFirst());
    }
}
