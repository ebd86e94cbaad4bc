package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
 * The Passthrough page's switch and its inbound forward apply when saved, not at the next start
 * (the page has no restart button): the appliance runs as the router, in a namespace of its own,
 * and the page is driven from inside that namespace.
 */
@Tag("root")
class PassthroughSwitchNetnsTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final int UI_PORT = 8080;
    private final List<Launched> launched = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        Launched.killAll(launched, Duration.ofSeconds(10));
    }

    @Test
    void thePassthroughSwitchAndTheInboundForwardApplyWhenSaved() throws Exception {
        try (Netns router = Netns.create("pts")) {
            router.ip("link", "add", "lan0", "type", "veth", "peer", "name", "lan0p");
            router.ip("addr", "add", "192.168.1.1/24", "dev", "lan0");
            router.ip("link", "set", "lan0", "up");
            router.ip("link", "set", "lan0p", "up");
            Launched appliance = Launched.start("router", Launched.appliance(router, "run", "--data-dir",
                    dir.resolve("data").toString(), "--ui-port", Integer.toString(UI_PORT)), null, dir);
            launched.add(appliance);
            appliance.awaitOutput("web UI on http://", START);
            UiClient ui = UiClient.setUpIn(router.name(), UI_PORT);
            assertFalse(tables(router).contains("homerouter_alg"), tables(router));

            // The passthrough command beside the service, passthrough off: it used to start, its
            // ALG blind to the router's own calls' IDs and its forward under the service's table name.
            Launched command = Launched.start("passthrough-command", Launched.appliance(router, "passthrough"), null, dir);
            launched.add(command);
            assertEquals(1, command.awaitExit(START), command.report());
            assertTrue(command.output().contains("error: the homerouter service runs here"), command.report());
            assertFalse(tables(router).contains("homerouter_alg"), "nothing of it left: " + tables(router));

            assertEquals(303, ui.post("/passthrough", "enabled", "on", "inbound_server", "").statusCode());
            assertTrue(tables(router).contains("table ip homerouter_alg"), "the ALG runs: " + tables(router));
            assertTrue(ui.get("/passthrough").body().contains("Saved. Passthrough is on."));

            // The router's own VPN server listens everywhere (the default): a forward would take its clients.
            var taken = ui.post("/passthrough", "inbound_server", "192.168.1.10");
            assertEquals(400, taken.statusCode());
            assertTrue(taken.body().contains("The router&#39;s own VPN server is on and answers PPTP from outside"),
                    taken.body());
            assertFalse(tables(router).contains("homerouter_pptp_in"), "no forward: " + tables(router));
            // Listening on its LAN address only, it keeps its LAN clients and leaves outside PPTP to the forward.
            var lanOnly = ui.post("/vpn", "enabled", "on", "listen_address", "192.168.1.1", "port", "1723",
                    "local_address", "192.168.250.1", "pool_start", "192.168.250.10", "pool_end", "192.168.250.59",
                    "auth", "mschapv2", "mppe", "require-128", "max_sessions", "64", "idle_timeout", "0");
            assertEquals(303, lanOnly.statusCode(), lanOnly.body());

            // Off, and a LAN server to forward to: the forward needs no ALG.
            assertEquals(303, ui.post("/passthrough", "inbound_server", "192.168.1.10").statusCode());
            String off = tables(router);
            assertFalse(off.contains("homerouter_alg"), "the ALG stopped: " + off);
            String queue = router.exec(Duration.ofSeconds(10), "iptables", "-t", "mangle", "-S").output();
            assertFalse(queue.contains("NFQUEUE"), "no queue rule left with nobody reading it: " + queue);
            assertTrue(off.contains("homerouter_pptp_in"), "the forward is in place: " + off);
            assertTrue(ui.get("/passthrough").body().contains("Saved. Passthrough is off. Incoming PPTP goes to 192.168.1.10."));

            assertEquals(303, ui.post("/passthrough", "inbound_server", "").statusCode());
            assertFalse(tables(router).contains("homerouter_pptp_in"), "the forward is gone: " + tables(router));
        }
    }

    private static String tables(Netns ns) throws IOException {
        return ns.exec(Duration.ofSeconds(10), "nft", "list", "tables").output();
    }
}
