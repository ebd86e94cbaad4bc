package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router whose WAN got an address in its LAN's network (the provider's box in front uses
 * 192.168.1.0/24 too) says so on the Dashboard and in {@code status}, from the machine's real
 * interfaces: before, the Dashboard said only that there was no route to the internet.
 */
@Tag("root")
class NetworkOverlapNetnsTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final int UI_PORT = 8080;
    /** What is said, in either order of the two (the order the machine lists its interfaces). */
    private static final List<String> SAID = List.of("wan0 (192.168.1.57/24)", "lan0 (192.168.1.1/24)",
            "are on the same network, 192.168.1.0/24", "change this router&#39;s LAN on the LAN page (to 192.168.2.0/24, say)");
    private final List<Launched> launched = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        Launched.killAll(launched, Duration.ofSeconds(10));
    }

    @Test
    void aWanInTheLansNetworkIsSaidOnTheDashboardAndInStatus() throws Exception {
        try (Netns router = Netns.create("ovl")) {
            router.ip("link", "add", "lan0", "type", "veth", "peer", "name", "lan0p"); // no dummy module here
            router.ip("addr", "add", "192.168.1.1/24", "dev", "lan0");
            router.ip("link", "set", "lan0", "up");
            router.ip("link", "set", "lan0p", "up");
            router.ip("link", "add", "wan0", "type", "veth", "peer", "name", "wan0p");
            router.ip("addr", "add", "192.168.0.57/24", "dev", "wan0");
            router.ip("link", "set", "wan0", "up");
            router.ip("link", "set", "wan0p", "up");
            Launched appliance = Launched.start("router", Launched.appliance(router, "run", "--data-dir",
                    dir.resolve("data").toString(), "--ui-port", Integer.toString(UI_PORT)), null, dir);
            launched.add(appliance);
            appliance.awaitOutput("web UI on http://", START);
            UiClient ui = UiClient.setUpIn(router.name(), UI_PORT);
            String before = ui.get("/").body();
            assertFalse(before.contains("are on the same network"), before);

            // The provider's box moved to the LAN's network: its DHCP gives the WAN 192.168.1.57.
            router.ip("addr", "flush", "dev", "wan0");
            router.ip("addr", "add", "192.168.1.57/24", "dev", "wan0");
            String after = ui.get("/").body();
            assertTrue(SAID.stream().allMatch(after::contains), after);

            Launched status = Launched.start("status", Launched.appliance(router, "status", "--data-dir",
                    dir.resolve("data").toString()), null, dir);
            launched.add(status);
            assertEquals(0, status.awaitExit(START), status.report());
            assertTrue(status.output().contains("networks       OVERLAP: This router's interfaces "), status.report());
            assertTrue(SAID.stream().map(t -> t.replace("&#39;", "'")).allMatch(status.output()::contains),
                    status.report());
        }
    }
}
