package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI in a real browser: Debian's headless Chromium driven by playwright-core
 * ({@code webui/e2e/ui-flow.mjs}) through first-run setup, logout and login, adding a user and
 * enabling the server; then this test dials that user in (in-memory data plane) and the browser
 * screenshots the dashboard with the session and the live chart, to
 * {@code appliance/target/e2e/dashboard.png}, and reads the Logs page's times in its own zone
 * (Europe/Berlin); last, the browser switches HTTPS on over plain HTTP
 * and off again over HTTPS, and must follow the UI to the other origin each time. {@code scripts/setup-host.sh} (run by {@code make test})
 * installs chromium and the pinned npm packages; without them the test is skipped with a banner
 * on stderr ({@link LoudSkip}), and fails in CI.
 */
@Tag("browser")
class WebUiBrowserTest {
    private static final Path E2E = Path.of("..", "webui", "e2e").toAbsolutePath().normalize();
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path dir;

    @Test
    void setupLoginAddUserEnableServerAndScreenshotTheDashboard() throws Exception {
        Path playwright = E2E.resolve("node_modules/playwright-core");
        String missing = !Files.isExecutable(CHROMIUM) ? CHROMIUM + " is missing"
                : !Files.isDirectory(playwright) ? playwright + " is missing" : null;
        if (missing != null) {
            LoudSkip.skip("WebUiBrowserTest: the web UI in a real browser is not tested: " + missing
                    + ". Run scripts/setup-host.sh as root (make test does) to install chromium and the pinned npm packages.",
                    "CI must run the browser test.");
        }

        Path db = dir.resolve("appliance.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.putSettings(Map.of(Setting.PPTP_ENABLED, "false"));
        }
        Path shot = Path.of("target", "e2e", "dashboard.png").toAbsolutePath();
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        try (InMemoryDialIn net = new InMemoryDialIn();
             // The UI on loopback only; its HTTPS listener opens on the same address.
             Appliance a = Appliance.start(db, new Appliance.Overrides("127.0.0.1", 0, 0, "127.0.0.1"), net.dataPlane())) {
            Process node = new ProcessBuilder(List.of("node", "ui-flow.mjs", "http://127.0.0.1:" + a.uiPort(), shot.toString(),
                    String.valueOf(freeLoopbackPort())))
                    .directory(E2E.toFile()).redirectErrorStream(true).start();
            // A hung browser must not hang the build: the reader below ends when the process dies.
            java.util.concurrent.CompletableFuture.delayedExecutor(180, TimeUnit.SECONDS).execute(node::destroyForcibly);
            StringBuilder log = new StringBuilder();
            Thread traffic = null;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                 OutputStream in = node.getOutputStream()) {
                String line;
                while ((line = out.readLine()) != null) {
                    log.append(line).append('\n');
                    if (line.equals("ENABLED")) {
                        assertTrue(a.pptpAddress() != null, "the browser's click started the server");
                        InMemoryDialIn.Client alice = net.dial(a.pptpAddress(), "alice", "alice vpn password");
                        alice.up.get(15, TimeUnit.SECONDS);
                        traffic = sendTraffic(alice);
                        in.write("GO\n".getBytes(StandardCharsets.US_ASCII));
                        in.close();
                    }
                }
            } finally {
                if (traffic != null) {
                    traffic.interrupt();
                }
            }
            assertTrue(node.waitFor(120, TimeUnit.SECONDS), log.toString());
            System.out.print(log);
            assertEquals(0, node.exitValue(), log.toString());
        }
        byte[] png = Files.readAllBytes(shot);
        assertTrue(png.length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a real PNG screenshot");
    }

    /** A port nothing listens on now, for the browser to switch HTTPS on to. */
    private static int freeLoopbackPort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A trickle of IP packets from the client so the chart has something to draw. */
    private static Thread sendTraffic(InMemoryDialIn.Client client) {
        Thread t = new Thread(() -> {
            byte[] packet = new byte[1200];
            packet[0] = 0x45;
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    for (int i = 0; i < 20; i++) {
                        client.devices.getFirst().inject(packet);
                    }
                    Thread.sleep(200);
                }
            } catch (InterruptedException e) {
                // done
            }
        }, "traffic");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
