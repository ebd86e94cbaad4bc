package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router that loses power (or is SIGKILLed, or killed for memory) while workers are dialled in
 * for days: their sessions' rows were open, and the next start closes them. They keep the bytes
 * and the time last recorded while they were up, not 0 bytes and an end at the next start.
 */
class InterruptedSessionTest {
    @TempDir
    Path dir;

    @Test
    void aSessionCutShortByACrashKeepsItsBytesAndEndsWhenItWasLastSeenUp() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        Path afterCrash = dir.resolve("after-crash.db");
        long seenFrom;
        long seenBy;
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS);
            byte[] packet = new byte[100];
            packet[0] = 0x45;
            alice.devices.getFirst().inject(packet);
            Eventually.until("alice's packet counted at the server",
                    () -> a.sessions().getFirst().traffic().bytesIn(), n -> n == 100);
            Eventually.until("alice's session row", () -> a.store().sessionHistory(10, true), rows -> !rows.isEmpty());

            // What the timer does every 10 minutes.
            seenFrom = System.currentTimeMillis();
            a.accounting().recordProgress();
            var open = Eventually.value(() -> a.store().sessionHistory(10, true).getFirst(), r -> r.bytesIn() == 100);
            seenBy = System.currentTimeMillis();
            assertEquals(100, open.bytesIn(), "the open row has the bytes so far");

            // The power goes: what is on disk is what was committed, and the session never ended.
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
                ps.setString(1, afterCrash.toString());
                ps.execute();
            }
        }

        // Back three days later.
        try (ApplianceStore store = ApplianceStore.open(afterCrash)) {
            assertEquals(1, store.closeInterruptedSessions(seenBy + Duration.ofDays(3).toMillis()));
            ApplianceStore.SessionRow row = store.sessionHistory(10, false).getFirst();
            assertEquals("alice", row.user());
            assertEquals(100, row.bytesIn(), "the bytes counted until it was last seen up");
            assertTrue(row.endedMs() >= seenFrom && row.endedMs() <= seenBy,
                    "ends when it was last seen up, not when the router came back: " + row.endedMs() + " not within "
                            + seenFrom + ".." + seenBy);
            assertEquals("INTERRUPTED", row.endReason());
            assertEquals("the router stopped or restarted while the session was up — its end and bytes are as last"
                    + " recorded while it was up (every 10 minutes)", ApplianceSessions.record(row).endReason());
        }
    }
}
