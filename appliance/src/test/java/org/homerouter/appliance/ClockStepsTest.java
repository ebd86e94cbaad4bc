package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.homerouter.appliance.store.ApplianceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the Logs page says where the wall clock jumps: checks driven by hand, lines read from a real store. */
class ClockStepsTest {
    @TempDir
    Path dir;
    private ApplianceStore store;
    /** The two clocks the detector reads, moved by the test. */
    private long wallMillis = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
    private long nanos = 5_000_000_000L;
    private ClockSteps steps;

    @BeforeEach
    void open() throws Exception {
        store = ApplianceStore.open(dir.resolve("appliance.db"));
        steps = new ClockSteps(() -> wallMillis, () -> nanos, ZoneId.of("UTC"), line -> store.logEvent("service", line));
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    /** Both clocks advance together, as they do between steps. */
    private void elapse(Duration d) {
        wallMillis += d.toMillis();
        nanos += d.toNanos();
    }

    /** The event log's lines about the clock, oldest first. */
    private List<String> clockLines() throws Exception {
        return store.events(1000, "service").stream().map(ApplianceStore.EventRow::message)
                .filter(m -> m.startsWith("the clock")).toList().reversed();
    }

    @Test
    void aTimeServerSettingTheClock90DaysForwardGivesOneLineSayingByHowMuchAndFromWhenToWhen() throws Exception {
        for (int i = 0; i < 6; i++) {
            elapse(ClockSteps.PERIOD);
            steps.check();
        }
        elapse(Duration.ofSeconds(4));
        wallMillis += Duration.ofDays(90).plusHours(4).plusMinutes(12).toMillis();
        elapse(Duration.ofSeconds(6));
        steps.check();
        for (int i = 0; i < 20; i++) {
            elapse(ClockSteps.PERIOD);
            steps.check();
        }
        List<String> lines = clockLines();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("the clock jumped forward by 90 days 4 h against the time elapsed"
                + " (from 2026-03-01 10:01:10 UTC to 2026-05-30 14:13:10 UTC): a time server or someone set it,"
                + " or the machine was suspended; if it was set, events before this line carry the old clock's times",
                lines.getFirst());
    }

    /**
     * A router whose firmware was built months before it was switched on boots at that date: its
     * boot and its owner's setup were logged at it, and an hour after the time server answered
     * they went as older than the 90 days kept. A forward step from a clock no time server had set
     * moves this run's earlier rows by the step; an earlier run's rows, and a suspend's step (a clock
     * that was set), move nothing.
     */
    @Test
    void aForwardStepFromAnUnsetClockMovesThisRunsEarlierEntriesWithIt() throws Exception {
        store.logEvent("service", "an earlier run's line");
        store.close();
        store = ApplianceStore.open(dir.resolve("appliance.db"));
        long earlier = store.events(10, "service").getFirst().atMs();
        boolean[] unset = {true};
        wallMillis = System.currentTimeMillis();
        steps = new ClockSteps(() -> wallMillis, () -> nanos, ZoneId.of("UTC"), line -> store.logEvent("service", line),
                () -> unset[0], store::restampThisRun);
        store.logEvent("config", "admin password set at the first-run setup");
        long written = store.events(10, "config").getFirst().atMs();
        elapse(ClockSteps.PERIOD);
        steps.check();
        long step = Duration.ofDays(120).toMillis();
        wallMillis += step;
        unset[0] = false;
        elapse(ClockSteps.PERIOD);
        steps.check();
        assertEquals(written + step, store.events(10, "config").getFirst().atMs(), "the setup's line moved with the clock");
        assertEquals(earlier, store.events(10, "service").getLast().atMs(), "an earlier run's line stays");
        String line = clockLines().getLast();
        assertTrue(line.endsWith("a time server or someone set it; the clock had not been set, and the 1 entry this"
                + " service wrote before it were moved forward with it"), line);

        // Set now: a later step (a suspend, say) moves nothing.
        store.logEvent("config", "a later line");
        long later = store.events(10, "config").getFirst().atMs();
        elapse(ClockSteps.PERIOD);
        wallMillis += step;
        steps.check();
        assertEquals(later, store.events(10, "config").getFirst().atMs());
    }

    @Test
    void anAdminSettingTheClockBackGivesOneLineSayingItWentBack() throws Exception {
        elapse(ClockSteps.PERIOD);
        steps.check();
        wallMillis -= Duration.ofHours(2).plusMinutes(5).toMillis();
        elapse(ClockSteps.PERIOD);
        steps.check();
        elapse(ClockSteps.PERIOD);
        steps.check();
        List<String> lines = clockLines();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("the clock jumped back by 2 h 5 min against the time elapsed"
                + " (from 2026-03-01 10:00:20 UTC to 2026-03-01 07:55:20 UTC): a time server or someone set it;"
                + " events before this line carry the old clock's times, so the times go back here", lines.getFirst());
    }

    @Test
    void driftBelowAMinuteAtEveryCheckIsNeverAStepHoweverLongItLasts() throws Exception {
        // 50 s fast at every 10 s check: over a day, 5 days fast in all, yet no single check saw a minute.
        for (int i = 0; i < 8640; i++) {
            elapse(ClockSteps.PERIOD);
            wallMillis += 50_000;
            steps.check();
        }
        // A time client's slewing, 0.5 ms a second.
        for (int i = 0; i < 8640; i++) {
            elapse(ClockSteps.PERIOD);
            wallMillis += 5;
            steps.check();
        }
        assertEquals(List.of(), clockLines());
    }

    @Test
    void aClockSetBackAndForthAtEveryCheckWritesALineAtOnceThenOneEveryTenMinutesCountingTheRest() throws Exception {
        Duration flapping = Duration.ofHours(1);
        for (long t = 0; t < flapping.toNanos(); t += ClockSteps.PERIOD.toNanos()) {
            elapse(ClockSteps.PERIOD);
            wallMillis += (t / ClockSteps.PERIOD.toNanos() % 2 == 0 ? 1 : -1) * Duration.ofDays(365).toMillis();
            steps.check();
        }
        List<String> lines = clockLines();
        // 360 steps in the hour: the first, then one line per ten minutes.
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(1).endsWith(" (before it, 59 more jumps of the clock, not logged one by one:"
                + " back by 365 days in all)"), lines.get(1));

        // It stops: the jumps since the last line are told once its ten minutes are up, and then nothing.
        for (int i = 0; i < 2 * 60 * 6; i++) {
            elapse(ClockSteps.PERIOD);
            steps.check();
        }
        lines = clockLines();
        assertEquals(7, lines.size(), String.join("\n", lines));
        assertTrue(lines.getLast().startsWith("the clock jumped 59 more times since the last line about it,"
                + " not logged one by one ("), lines.getLast());
    }

    @Test
    void amountsAreInTheTwoLargestUnitsThatMatter() {
        assertEquals("1 day", ClockSteps.amount(Duration.ofDays(1).toMillis()));
        assertEquals("93 days 4 h", ClockSteps.amount(-Duration.ofDays(93).plusHours(4).plusMinutes(59).toMillis()));
        assertEquals("5 h 12 min", ClockSteps.amount(Duration.ofHours(5).plusMinutes(12).plusSeconds(3).toMillis()));
        assertEquals("3 min 20 s", ClockSteps.amount(200_000));
        assertEquals("45 s", ClockSteps.amount(45_999));
    }
}
