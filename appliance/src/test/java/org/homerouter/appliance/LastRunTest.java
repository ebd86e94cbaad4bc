package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.homerouter.appliance.store.ApplianceStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's last run ended without stopping (a crash, out of memory, the watchdog's kill, a
 * power cut): every session was cut, and the event log said nothing of it. The next start says
 * so, and whether the router itself went off.
 */
class LastRunTest {
    private static final String BOOT = "6c2e1f0a-0b7d-4f0e-9d55-0c1f7f4b2a11";
    private static final long SINCE = 1_796_000_000_000L; // 2026-11-30 00:53:20 UTC
    @TempDir
    Path dir;

    @Test
    void aRunThatStoppedLeavesNothingToSay() {
        assertEquals(Optional.empty(), LastRun.start(dir, BOOT, SINCE));
        LastRun.stopped(dir);
        assertEquals(Optional.empty(), LastRun.start(dir, BOOT, SINCE + 60_000));
    }

    @Test
    void aRunThatDiedInTheSameBootIsTheServiceAndOneInAnotherIsTheRouterGoingOff() {
        LastRun.start(dir, BOOT, SINCE);
        // Killed: no stop. systemd starts it again, in the same boot.
        String died = LastRun.start(dir, BOOT, SINCE + 60_000).orElseThrow();
        assertEquals("the service's last run (running since 2026-11-30 00:53:20 UTC) ended without stopping while"
                + " the router ran: it crashed, ran out of memory or stopped answering, and was started again; its"
                + " sessions were cut", died);
        // The power cut: the next start is in another boot.
        String off = LastRun.start(dir, "0f4d3a52-1111-4c3c-8f00-5b2a9e1d7c33", SINCE + 120_000).orElseThrow();
        assertTrue(off.startsWith("the router went off while the service ran (running since 2026-11-30 00:54:20 UTC),"
                + " without shutting down"), off);
        // Where there is no boot ID to compare, either.
        assertTrue(LastRun.start(dir, "", SINCE).orElseThrow().contains("the router lost power, or the service crashed"));
    }

    /**
     * A start that fails takes back only its own note: one that failed before it read the last
     * run's (a busy database) had deleted that, and the crash before went unsaid at the next start.
     */
    @Test
    void aFailedStartTakesBackItsOwnNoteOnly() throws Exception {
        Files.writeString(dir.resolve(LastRun.FILE), "boot " + BOOT + "\nsince " + SINCE + "\npid 999999999\n");
        LastRun.startFailed(dir);
        assertTrue(Files.exists(dir.resolve(LastRun.FILE)), "the crashed run's note stays");
        assertTrue(LastRun.start(dir, BOOT, SINCE + 60_000).isPresent());
        LastRun.startFailed(dir);
        assertFalse(Files.exists(dir.resolve(LastRun.FILE)), "this run's own note is taken back");
    }

    @Test
    void theApplianceSaysItAtTheStartAfterOneThatDidNotStop() throws Exception {
        Path db = dir.resolve("appliance.db");
        DataPlane none = DataPlane.unavailable("test: no data plane");
        Appliance.Overrides overrides = new Appliance.Overrides("127.0.0.1", 0, 0);
        try (Appliance a = Appliance.start(db, overrides, none)) {
            assertTrue(Files.exists(dir.resolve(LastRun.FILE)), "noted as running");
        }
        assertFalse(Files.exists(dir.resolve(LastRun.FILE)), "stopped cleanly: nothing noted");
        try (Appliance a = Appliance.start(db, overrides, none)) {
            assertFalse(said(a.store()), "after a clean stop nothing is said");
            // What a kill leaves: the note of a run in this boot (the one this test runs in).
            Files.copy(dir.resolve(LastRun.FILE), dir.resolve("killed"));
        }
        Files.move(dir.resolve("killed"), dir.resolve(LastRun.FILE));
        try (Appliance a = Appliance.start(db, overrides, none)) {
            assertTrue(said(a.store()), a.store().recentEvents(5).toString());
        }
    }

    private static boolean said(ApplianceStore store) throws Exception {
        List<String> events = store.recentEvents(10);
        return events.stream().anyMatch(e -> e.contains("ended without stopping"));
    }
}
