package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;
import org.homerouter.webui.api.LiveSessions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that renegotiates LCP after its login (RFC 1661 §4.3) logs in again and comes up again
 * on the same link: that is one session, in the counters and in the history.
 */
class RenegotiationTest {
    @TempDir
    Path dir;

    @Test
    void aLinkRenegotiatedTwiceIsOneSessionWithOneHistoryRowThatEnds() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS);
            PppSession atServer = a.sessions().getFirst();
            for (int round = 1; round <= 2; round++) {
                var before = atServer.dataPath().orElseThrow();
                // An LCP Configure-Request without options, from the client's side.
                atServer.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01,
                        (byte) (0x60 + round), 0x00, 0x04}));
                Eventually.until("the data path renegotiated",
                        () -> atServer.dataPath().orElse(before), p -> p != before);
            }
            assertEquals(1, a.accounting().sessionsTotal(), "one session");
            var open = Eventually.value(() -> a.store().sessionHistory(10, true), rows -> !rows.isEmpty());
            assertEquals(1, open.size(), open.toString());

            atServer.close("test over");
            var ended = Eventually.value(() -> a.store().sessionHistory(10, false), rows -> !rows.isEmpty());
            assertEquals(1, ended.size(), ended.toString());
            assertEquals("alice", ended.getFirst().user());
            assertEquals(0, a.store().sessionHistory(10, true).size(), "no row left open");
        }
    }

    /**
     * The dashboard's chart and /metrics publish the byte totals as counters: a renegotiation (a new
     * data path) or a session's end must never make them smaller, or Prometheus reads a reset and
     * rate() a spike.
     */
    @Test
    void theByteTotalsNeverGoBackAcrossARenegotiationOrTheSessionsEnd() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            ApplianceSessions dashboard = new ApplianceSessions(a);
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            alice.up.get(10, TimeUnit.SECONDS);
            PppSession atServer = a.sessions().getFirst();
            trafficBothWays(alice.devices.getLast(), net.serverDevices.getLast());
            Eventually.until("the first path's bytes on the dashboard",
                    dashboard::totals, t -> t.bytesIn() == 100 && t.bytesOut() == 60);

            // Read as often as a busy scraper would, from before the renegotiation to after the end.
            List<String> wentBack = new CopyOnWriteArrayList<>();
            AtomicBoolean reading = new AtomicBoolean(true);
            Thread scraper = Thread.ofPlatform().start(() -> {
                LiveSessions.Totals last = dashboard.totals();
                while (reading.get()) {
                    LiveSessions.Totals now = dashboard.totals();
                    if (now.bytesIn() < last.bytesIn() || now.bytesOut() < last.bytesOut()) {
                        wentBack.add(last + " then " + now);
                    }
                    last = now;
                }
            });

            var before = atServer.dataPath().orElseThrow();
            // An LCP Configure-Request without options, from the client's side: both ends renegotiate.
            atServer.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x70,
                    0x00, 0x04}));
            Eventually.until("the data path renegotiated", () -> atServer.dataPath().orElse(before), p -> p != before);
            var again = dashboard.totals();
            assertEquals(100, again.bytesIn(), "the first path's bytes still count once the new one is up");
            assertEquals(60, again.bytesOut());
            // Both ends' new devices started (the data path's swap does not wait for the client's).
            Eventually.until("both ends' new devices started", () -> alice.devices.size() == 2
                    && alice.devices.getLast().running() && net.serverDevices.getLast().running());
            trafficBothWays(alice.devices.getLast(), net.serverDevices.getLast());
            var both = Eventually.value(dashboard::totals, t -> t.bytesIn() == 200 && t.bytesOut() == 120);
            assertEquals(200, both.bytesIn(), both.toString());
            assertEquals(List.of(200L), dashboard.active().stream().map(LiveSessions.ActiveSession::bytesIn).toList(),
                    "the session's own bytes on the dashboard count both paths");

            atServer.close("test over");
            alice.ended.get(10, TimeUnit.SECONDS);
            Eventually.until("the server's session gone", () -> a.sessions().isEmpty());
            reading.set(false);
            scraper.join();
            var after = dashboard.totals();
            assertEquals(200, after.bytesIn(), after.toString());
            assertEquals(120, after.bytesOut(), after.toString());
            assertEquals(List.of(), wentBack, "the totals never went back");
            var row = Eventually.value(() -> a.store().sessionHistory(10, false), rows -> !rows.isEmpty()).getFirst();
            assertEquals(200, row.bytesIn(), "the history row has both paths' bytes");
            assertEquals(120, row.bytesOut());
        }
    }

    /**
     * A session keeps its tunnel address across a renegotiation when it can. Where it cannot (here
     * the owner moved the pool meanwhile, so the old address is no longer for clients), the history
     * and the event log show the address the session actually has, not the first one.
     */
    @Test
    void aSessionGivenAnotherAddressByARenegotiationShowsItInTheHistory() throws Exception {
        Path db = InMemoryDialIn.databaseWithUsers(dir, "alice");
        try (InMemoryDialIn net = new InMemoryDialIn();
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0), net.dataPlane())) {
            InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice password");
            assertEquals("192.168.250.10", alice.tunnelAddress());
            PppSession atServer = a.sessions().getFirst();
            Eventually.until("alice's session row", () -> a.store().sessionHistory(10, true), rows -> !rows.isEmpty());
            a.store().putSettings(java.util.Map.of(Setting.PPTP_POOL_START, "192.168.250.100",
                    Setting.PPTP_POOL_END, "192.168.250.110"));
            a.reconfigure();

            var before = atServer.dataPath().orElseThrow();
            atServer.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x71,
                    0x00, 0x04}));
            Eventually.until("the data path renegotiated", () -> atServer.dataPath().orElse(before), p -> p != before);
            assertEquals("192.168.250.100", atServer.ipConfiguration().orElseThrow().peerAddress().orElseThrow()
                    .getHostAddress(), "an address of the new pool");
            var open = Eventually.value(() -> a.store().sessionHistory(10, true).getFirst(),
                    r -> "192.168.250.100".equals(r.tunnelAddress()));
            assertEquals("192.168.250.100", open.tunnelAddress(), "the open row follows");
            assertTrue(a.store().recentEvents(10).stream().anyMatch(e -> e.contains(
                    "now has tunnel address 192.168.250.100 (was 192.168.250.10)")), a.store().recentEvents(10).toString());

            atServer.close("test over");
            var ended = Eventually.value(() -> a.store().sessionHistory(10, false), rows -> !rows.isEmpty());
            assertEquals("192.168.250.100", ended.getFirst().tunnelAddress(), "and so does the ended row");
        }
    }

    /** 100 octets of IP from the client into the tunnel, 60 from the LAN side to the client. */
    private static void trafficBothWays(InMemoryTunnelDevice client, InMemoryTunnelDevice server) {
        byte[] up = new byte[100];
        up[0] = 0x45;
        client.inject(up);
        byte[] down = new byte[60];
        down[0] = 0x45;
        server.inject(down);
    }
}
