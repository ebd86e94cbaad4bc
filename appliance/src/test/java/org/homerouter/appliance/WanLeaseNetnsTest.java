package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The site-to-site dial-out and the provider's lease on the WAN, from the machine's real
 * interfaces: a carrier-grade NAT's address inside the office's routed networks made the dial-out
 * refuse to start ("overlaps this router's LAN") and lifted its networks' hold, so the LAN's
 * traffic to the office left by the WAN in clear. Nothing leaves the router's namespace: the
 * office's server is never reached (the WAN's gateway does not answer).
 */
@Tag("root")
class WanLeaseNetnsTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final int UI_PORT = 8080;
    private final List<Launched> launched = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        Launched.killAll(launched, Duration.ofSeconds(10));
    }

    /** A router with its LAN and a WAN leased {@code wan}, its default route through {@code gateway}. */
    private static Netns router(String wan, String gateway) throws Exception {
        Netns router = Netns.create("wanl");
        for (String[] link : List.of(new String[] {"lan0", "192.168.1.1/24"}, new String[] {"wan0", wan})) {
            router.ip("link", "add", link[0], "type", "veth", "peer", "name", link[0] + "p"); // no dummy module here
            router.ip("addr", "add", link[1], "dev", link[0]);
            router.ip("link", "set", link[0], "up");
            router.ip("link", "set", link[0] + "p", "up");
        }
        router.ip("route", "add", "default", "via", gateway, "dev", "wan0");
        return router;
    }

    /** The appliance started in {@code router} with the dial-out to the office switched on, {@code settings} added. */
    private Launched start(Netns router, Map<Setting, String> settings) throws Exception {
        Path data = dir.resolve("data");
        try (ApplianceStore store = ApplianceStore.open(data.resolve("appliance.db"))) {
            store.putSettings(Map.of(Setting.DIALOUT_ENABLED, "true", Setting.DIALOUT_SERVER, "198.51.100.7",
                    Setting.DIALOUT_USER, "branch", Setting.DIALOUT_NT_HASH, "0123456789abcdef0123456789abcdef"));
            store.putSettings(settings);
        }
        Launched appliance = Launched.start("router", Launched.appliance(router, "run", "--data-dir", data.toString(),
                "--ui-port", Integer.toString(UI_PORT)), null, dir);
        launched.add(appliance);
        appliance.awaitOutput("web UI on http://", START);
        return appliance;
    }

    private static String unreachable(Netns router) throws Exception {
        return router.ip("-4", "route", "show", "type", "unreachable");
    }

    @Test
    void anOfficeRoutedAroundTheProvidersLeaseIsDialedAndHeldWhileItsTunnelIsDown() throws Exception {
        try (Netns router = router("10.44.0.5/22", "10.44.0.1")) {
            Launched appliance = start(router, Map.of(Setting.DIALOUT_SUBNETS, "10.0.0.0/8"));
            String out = appliance.output();
            assertFalse(out.contains("not started"), appliance.report());
            assertTrue(out.contains("10.0.0.0/8 contains this router's WAN network 10.44.0.0/22 on wan0: the office's"
                    + " hosts with addresses in that WAN network are not reached through the tunnel"), appliance.report());
            assertTrue(unreachable(router).contains("unreachable 10.0.0.0/8"), unreachable(router) + appliance.report());
            // The provider's own segment stays reachable on the WAN: its route is the more specific.
            assertTrue(router.ip("-4", "route", "get", "10.44.0.1").contains("dev wan0"), router.ip("-4", "route"));
        }
    }

    @Test
    void anOfficeNetworkInsideTheProvidersSegmentIsRefusedAndNotHeld() throws Exception {
        try (Netns router = router("10.44.0.5/16", "10.44.1.1")) {
            Launched appliance = start(router, Map.of(Setting.DIALOUT_SUBNETS, "10.44.1.0/24"));
            assertTrue(appliance.output().contains("not started: 10.44.1.0/24 lies within the network of this router's"
                    + " WAN (its internet side), 10.44.0.0/16 on wan0: the provider's gateway and hosts there would be"
                    + " routed into the tunnel"), appliance.report());
            // Held, it would take the gateway away: the internet with it.
            assertFalse(unreachable(router).contains("10.44.1.0/24"), unreachable(router));
            assertTrue(router.ip("-4", "route", "get", "8.8.8.8").contains("via 10.44.1.1 dev wan0"),
                    router.ip("-4", "route"));
        }
    }

    @Test
    void aLeaseInTheVpnsTunnelNetworkIsSaidOnTheDashboard() throws Exception {
        try (Netns router = router("192.0.2.5/24", "192.0.2.1")) {
            start(router, Map.of(Setting.DIALOUT_SUBNETS, "10.20.0.0/16", Setting.PPTP_ENABLED, "true"));
            UiClient ui = UiClient.setUpIn(router.name(), UI_PORT);
            String said = "The VPN&#39;s tunnel network 192.168.250.0/24 (the addresses its clients are given) overlaps"
                    + " this router&#39;s wan0 network (192.168.250.57/24)";
            assertFalse(ui.get("/").body().contains(said));
            // The provider's box now hands out the addresses the VPN gives its clients.
            router.ip("addr", "flush", "dev", "wan0");
            router.ip("addr", "add", "192.168.250.57/24", "dev", "wan0");
            String after = ui.get("/").body();
            assertTrue(after.contains(said), after);
        }
    }

    /**
     * A branch account routing 10.0.0.0/8 on a router whose provider's resolver is 10.11.12.13:
     * held unreachable while the branch is offline, it left the router and its LAN without DNS, and
     * nothing said why. ({@code ip netns exec} puts /etc/netns/NAME/resolv.conf over the router's.)
     */
    @Test
    void theRoutersDnsServerInsideABranchsNetworksIsSaid() throws Exception {
        try (Netns router = router("192.0.2.5/24", "192.0.2.1")) {
            Path etc = Path.of("/etc/netns", router.name());
            boolean hadEtcNetns = java.nio.file.Files.isDirectory(etc.getParent());
            java.nio.file.Files.createDirectories(etc);
            try {
                java.nio.file.Files.writeString(etc.resolve("resolv.conf"), "nameserver 10.11.12.13\n");
                try (ApplianceStore store = ApplianceStore.open(dir.resolve("data").resolve("appliance.db"))) {
                    store.addUser(new org.homerouter.appliance.store.VpnUser("east", new byte[16],
                            java.util.Optional.empty(), true, java.util.Optional.empty()), "10.0.0.0/8", "test");
                }
                Launched appliance = start(router, Map.of(Setting.DIALOUT_SUBNETS, "172.20.0.0/16"));
                appliance.awaitOutput("this router's DNS server 10.11.12.13 lies inside east's routed network"
                        + " 10.0.0.0/8, reached only through that branch's tunnel", Duration.ofSeconds(10));
                assertTrue(unreachable(router).contains("unreachable 10.0.0.0/8"), unreachable(router));
            } finally {
                java.nio.file.Files.deleteIfExists(etc.resolve("resolv.conf"));
                java.nio.file.Files.deleteIfExists(etc);
                if (!hadEtcNetns) {
                    java.nio.file.Files.deleteIfExists(etc.getParent());
                }
            }
        }
    }

    /**
     * A power cut damaged the settings database of an office whose LAN went only through its
     * tunnel: the service set it aside and started on defaults, whose first hold lifted everything
     * (and rewrote the boot's hold without it): the LAN's traffic and DNS went out of the WAN in
     * clear. What the boot-hold file held stays held, across a restart too, until a reset (or an
     * import) deals with the lost settings; the dashboard says so.
     */
    @Test
    void aDamagedDatabaseKeepsWhatTheLostSettingsHeld() throws Exception {
        try (Netns router = router("192.0.2.5/24", "192.0.2.1")) {
            Path data = dir.resolve("data");
            java.nio.file.Files.createDirectories(data);
            java.nio.file.Files.writeString(data.resolve("appliance.db"), "not a database, after a power cut".repeat(200));
            java.nio.file.Files.writeString(data.resolve(org.homerouter.bridge.route.BootHold.FILE_NAME),
                    "unreachable 10.20.0.0/16\ndefault-route-held\n");
            Launched appliance = Launched.start("router", Launched.appliance(router, "run", "--data-dir",
                    data.toString(), "--ui-port", Integer.toString(UI_PORT)), null, dir);
            launched.add(appliance);
            appliance.awaitOutput("web UI on http://", START);
            assertTrue(unreachable(router).contains("unreachable 10.20.0.0/16"), unreachable(router) + appliance.report());
            assertTrue(router.ip("-4", "rule", "show").contains("4240:"), router.ip("-4", "rule", "show"));
            UiClient ui = UiClient.setUpIn(router.name(), UI_PORT);
            String page = ui.get("/").body();
            assertTrue(page.contains("what the router kept to its tunnels stays held"), page);
            assertTrue(page.contains("the LAN does not reach 10.20.0.0/16"), page);

            // Restarted before the owner restores: still held, still said.
            Launched.killAll(launched, Duration.ofSeconds(10));
            launched.clear();
            Launched again = Launched.start("router", Launched.appliance(router, "run", "--data-dir",
                    data.toString(), "--ui-port", Integer.toString(UI_PORT)), null, dir);
            launched.add(again);
            again.awaitOutput("web UI on http://", START);
            assertTrue(unreachable(router).contains("unreachable 10.20.0.0/16"), unreachable(router) + again.report());
            ui = UiClient.setUpIn(router.name(), UI_PORT);
            String later = ui.get("/").body();
            assertTrue(later.contains("could not be read at an earlier start") && later.contains("stays held"), later);

            // The factory reset deals with it: the holds go.
            var r = ui.post("/system/reset", "confirm", "RESET", "reset_password", UiClient.ADMIN_PASSWORD);
            assertTrue(r.statusCode() == 303 || r.statusCode() == 200, r.statusCode() + " " + r.body());
            assertFalse(unreachable(router).contains("10.20.0.0/16"), unreachable(router) + again.report());
            assertFalse(router.ip("-4", "rule", "show").contains("4240:"), router.ip("-4", "rule", "show"));
        }
    }

    @Test
    void aDialOutRefusedAtItsStartKeepsItsNetworksUnreachable() throws Exception {
        try (Netns router = router("192.0.2.5/24", "192.0.2.1")) {
            // No password (an import without the secrets): the owner still meant the office's
            // networks to be reached only through the tunnel.
            Launched appliance = start(router, Map.of(Setting.DIALOUT_SUBNETS, "10.20.0.0/16",
                    Setting.DIALOUT_NT_HASH, ""));
            assertTrue(appliance.output().contains("not started: no password set for the remote server"),
                    appliance.report());
            assertTrue(unreachable(router).contains("unreachable 10.20.0.0/16"), unreachable(router) + appliance.report());
        }
    }
}
