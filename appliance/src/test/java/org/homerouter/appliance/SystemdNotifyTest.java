package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
