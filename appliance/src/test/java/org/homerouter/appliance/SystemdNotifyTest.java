package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.homerouter.bridge.systemd.NotifyListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance run as the router image's systemd runs it ({@code Type=notify}, {@code WatchdogSec=}):
 * it says when it is ready, keeps saying it is alive, and says when it stops. Here the test is the
 * manager: it binds the notification socket and reads what the appliance's JVM sends.
 */
class SystemdNotifyTest {
    @TempDir
    Path dir;

    @Test
    void theServiceSaysItIsReadyThenAliveThenStopping() throws Exception {
        try (NotifyListener manager = NotifyListener.bind(dir.resolve("notify"))) {
            Launched app = Launched.start("appliance", Launched.appliance(null, "run", "--data-dir",
                            dir.resolve("data").toString(), "--pptp-address", "127.0.0.1", "--pptp-port", "0", "--ui-port", "0"),
                    null, dir, Map.of("NOTIFY_SOCKET", manager.name(), "WATCHDOG_USEC", "400000"));
            try {
                talksToItsManager(manager, app);
            } finally {
                Launched.killAll(List.of(app), Duration.ofSeconds(10));
            }
        }
    }

    /**
     * A firmware whose data plane did not open (a kernel module left out of the image) serves its
     * UI, and its slot was confirmed: the copy for the previous firmware deleted, the VPN down
     * until the next update. The status it gives systemd says so, in the words homerouter-ready
     * looks for (it then leaves the slot unconfirmed); a working one, or one sharing another
     * service's namespace, does not.
     */
    @Test
    void theReadyStatusSaysWhenNoSessionCanCarryTraffic() throws Exception {
        var at = new java.net.InetSocketAddress(java.net.InetAddress.ofLiteral("0.0.0.0"), 1723);
        String none = RunCommand.readyStatus(8080, at, DataPlane.unavailable("cannot open /dev/net/tun: No such device"));
        assertEquals("web UI on port 8080, VPN server on " + at + "; no data plane (no VPN session can carry traffic):"
                + " cannot open /dev/net/tun: No such device", none);
        try (var works = new DataPlane(new org.homerouter.pptp.gre.InMemoryGreNetwork().bind(
                java.net.InetAddress.ofLiteral("192.0.2.1")), config -> null, null, () -> { })) {
            assertEquals("web UI on port 8080, VPN server not listening", RunCommand.readyStatus(8080, null, works));
        }
        assertFalse(RunCommand.readyStatus(8080, at, DataPlane.othersNamespace("another service's namespace"))
                .contains(RunCommand.NO_DATA_PLANE));
    }

    private static void talksToItsManager(NotifyListener manager, Launched app) throws Exception {
        Optional<String> first = manager.receive(Duration.ofSeconds(60));
        assertTrue(first.isPresent() && first.get().startsWith("READY=1\nSTATUS=web UI on port "), first + app.report());
        assertTrue(app.output().contains("web UI on http://"), "ready once the UI serves" + app.report());
        int pings = 0;
        long until = System.nanoTime() + 5_000_000_000L;
        while (pings < 5 && System.nanoTime() < until) {
            Optional<String> m = manager.receive(Duration.ofMillis(500));
            if (m.isPresent()) {
                assertEquals("WATCHDOG=1", m.get());
                pings++;
            }
        }
        assertEquals(5, pings, "alive, every 100 ms of a 400 ms watchdog" + app.report());
        app.process().destroy(); // SIGTERM, as systemctl stop sends
        Optional<String> last = Optional.empty();
        for (int i = 0; i < 50; i++) {
            Optional<String> m = manager.receive(Duration.ofMillis(200));
            if (m.isPresent() && !m.get().equals("WATCHDOG=1")) {
                last = m;
                break;
            }
        }
        assertEquals(Optional.of("STOPPING=1"), last, app.report());
    }
}
