package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.session.SessionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that vanishes without a word (a laptop's lid closed, its network gone), as the owner sees it. */
class SilentClientTest {
    @TempDir
    Path dir;

    /**
     * Until its keepalive runs out, the session is shown "not answering", not "connected" like
     * the rest; once it has, its history row ends when it fell silent, not when that was noticed
     * (a minute later with the defaults: every dropped session's duration was a minute too long).
     */
    @Test
    void aVanishedClientIsShownNotAnsweringAndItsSessionEndsWhenItFellSilent() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            // An echo a second, five unanswered: the keepalive notices 5-6 s after the client went.
            store.putSettings(Map.of(Setting.PPTP_LCP_ECHO_INTERVAL, "1", Setting.PPTP_LCP_ECHO_FAILURES, "5"));
        }
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.tunnelAddress();
            ApplianceSessions dashboard = new ApplianceSessions(a);
            // Longer than the silence shown as "not answering" (1.5 s): only its echo replies heard
            // since keep it "connected". A stall of either end can show it "not answering" for a
            // moment, until the next echo is answered: read until it is "connected".
            Thread.sleep(2000);
            assertEquals("connected", Eventually.value(() -> dashboard.active().getFirst().phase(),
                    p -> p.equals("connected")), "answering its echoes");

            net.blockGre();
            long silentFrom = System.currentTimeMillis();
            String phase = Eventually.value(() -> dashboard.active().isEmpty() ? "" : dashboard.active().getFirst().phase(),
                    p -> p.startsWith("connected, not answering for "));
            assertTrue(phase.startsWith("connected, not answering for "), phase);

            var rows = Eventually.value(() -> a.store().sessionHistory(10, false),
                    r -> !r.isEmpty() && r.getFirst().endReason() != null);
            assertEquals(SessionEnd.PEER_DEAD.name(), rows.getFirst().endReason(), rows.toString());
            var row = a.store().sessionHistory(10, false).getFirst();
            long noticedAfter = System.currentTimeMillis() - silentFrom;
            assertTrue(noticedAfter >= 4000, "the keepalive took " + noticedAfter + " ms");
            assertTrue(row.endedMs() - silentFrom < 1500, "ended " + (row.endedMs() - silentFrom)
                    + " ms after the client fell silent, noticed " + noticedAfter + " ms after");
        }
    }
}
