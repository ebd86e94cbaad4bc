package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicLong;
import org.homerouter.webui.api.SettingRefused;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The LAN page as the owner uses it: a router behind a provider's box on 192.168.1.0/24 moved to
 * another network, what is refused and why, and the restart that applies it. The appliance's side
 * (the file for the image, the overlaps it finds) is ApplianceLanTest's; the image's, LanScriptTest's.
 */
class LanPageTest {
    @RegisterExtension
    final UiUnderTest ui = new UiUnderTest();
    private final FakeBackend fake = ui.fake;
    private final AtomicLong now = ui.now;

    private Browser admin() throws Exception {
        return ui.admin();
    }

    @Test
    void aNewLanAddressIsSavedForTheNextRestartAndTheRestartPageSaysWhereThePagesAreThen() throws Exception {
        Browser b = admin();
        String page = b.get("/lan").body();
        assertTrue(page.contains("<a href=\"/lan\" class=\"on\" aria-current=\"page\">LAN</a>"), page);
        assertTrue(page.contains("value=\"192.168.1.1\"") && page.contains("(DHCP: 192.168.1.100–192.168.1.199)"), page);
        assertFalse(page.contains("id=\"lan-pending\""), "nothing to restart for");

        HttpResponse<String> saved = b.post("/lan", "address", " 192.168.2.1 ");
        assertEquals(303, saved.statusCode(), saved.body());
        assertEquals("192.168.2.1", fake.lanSaved);
        assertTrue(fake.events.stream().anyMatch(e -> e.message().startsWith("LAN address set to 192.168.2.1/24 from ")),
                fake.events.toString());
        page = b.get("/lan").body();
        assertTrue(page.contains("Saved. The router takes 192.168.2.1 when it restarts"), page);
        assertTrue(page.contains("id=\"lan-pending\"") && page.contains("the LAN moves to 192.168.2.1 when the router"
                + " restarts") && page.contains("(DHCP: 192.168.2.100–192.168.2.199)"), page);

        // A restart that cannot be scheduled is said where its button was.
        fake.restartFailure = "the reboot could not be scheduled";
        HttpResponse<String> refused = b.post("/system/restart", "from", "lan");
        assertEquals(303, refused.statusCode(), refused.body());
        assertEquals("/lan", refused.headers().firstValue("Location").orElse(""));
        assertTrue(b.get("/lan").body().contains("The router was not restarted: the reboot could not be scheduled"));
        fake.restartFailure = null;

        HttpResponse<String> restarting = b.post("/system/restart", "from", "lan");
        assertEquals(200, restarting.statusCode(), restarting.body());
        String next = "http://192.168.2.1:" + ui.base.substring(ui.base.lastIndexOf(':') + 1) + "/";
        assertTrue(restarting.body().contains("The LAN moves to 192.168.2.1: these pages are then at <a href=\""
                + next + "\">"), restarting.body());
        assertTrue(restarting.body().contains("<a href=\"" + next + "system#firmware\">open the System page</a>"),
                "the System page at the new address: " + restarting.body());
        assertEquals(1, fake.restarts);

        // Back to the address the LAN has: nothing to restart for.
        assertEquals(303, b.post("/lan", "address", "192.168.1.1").statusCode());
        page = b.get("/lan").body();
        assertTrue(page.contains("Saved. The LAN keeps 192.168.1.1: nothing to restart.") && !page.contains(
                "id=\"lan-pending\""), page);
    }

    @Test
    void anAddressTheLanCannotHaveIsRefusedNextToTheFieldAndNothingSaved() throws Exception {
        Browser b = admin();
        b.get("/lan"); // the form's token
        String[][] cases = {
            {"192.168.2", "Not an IPv4 address such as 192.168.2.1."},
            {"8.8.8.1", "A LAN uses private addresses: 10.x.x.x, 172.16–31.x.x or 192.168.x.x."},
            {"172.32.0.1", "A LAN uses private addresses"},
            {"192.168.2.150", "The router&#39;s address ends in 1–99 or 200–254: .0 and .255 are the network&#39;s own,"
                    + " and the router hands out .100–.199 to the LAN&#39;s computers."},
            {"10.0.0.0", "The router&#39;s address ends in 1–99 or 200–254"},
            {"10.0.0.255", "The router&#39;s address ends in 1–99 or 200–254"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = b.post("/lan", "address", c[0]);
            assertEquals(400, r.statusCode(), c[0] + ": " + r.body());
            assertTrue(r.body().contains("<span class=\"error\" id=\"address-error\">" + c[1]), c[0] + ": " + r.body());
            assertTrue(r.body().contains("value=\"" + c[0] + "\""), "what was typed stays: " + r.body());
        }
        // What the appliance finds: another of the router's networks there.
        fake.lanRefusal = new SettingRefused("address", "192.168.250.0/24 overlaps the VPN tunnel network 192.168.250.0/24:"
                + " choose another, or move the tunnel on the VPN server page first.");
        HttpResponse<String> r = b.post("/lan", "address", "192.168.250.1");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("overlaps the VPN tunnel network 192.168.250.0/24"), r.body());
        assertEquals("192.168.1.1", fake.lanSaved);
        for (String accepted : new String[] {"10.0.0.1", "172.16.5.254", "192.168.0.99", "192.168.0.200"}) {
            fake.lanRefusal = null;
            assertEquals(303, b.post("/lan", "address", accepted).statusCode(), accepted);
        }
    }

    @Test
    void whileTheLanMovesTheOtherPagesReckonWithTheNewOne() throws Exception {
        Browser b = admin();
        b.get("/lan");
        assertEquals(303, b.post("/lan", "address", "10.0.8.1").statusCode());
        // A LAN server forwarded to from outside must be inside the LAN to be.
        b.get("/passthrough");
        HttpResponse<String> old = b.post("/passthrough", "inbound_server", "192.168.1.20");
        assertEquals(400, old.statusCode(), old.body());
        assertTrue(old.body().contains("The LAN moves to 10.0.8.1/24 when the router restarts (the LAN page): the server"
                + " must be inside it."), old.body());
        fake.vpn = new org.homerouter.webui.api.VpnSettings(false, "0.0.0.0", 1723, "192.168.250.1", "192.168.250.10",
                "192.168.250.59", "", "", "", "", new java.util.LinkedHashSet<>(java.util.List.of("mschapv2")),
                "require-128", 50, 0); // off: no conflict with the forward
        assertEquals(303, b.post("/passthrough", "inbound_server", "10.0.8.20").statusCode());
        // An import that moved the LAN says it applies at the next restart, not "applied".
        b.get("/system");
        assertEquals(303, b.post("/system/import", "config", "{\"settings\":{}}", "replace", "on").statusCode());
        String page = b.get("/system").body();
        assertTrue(page.contains("Configuration imported, but the LAN moves to 10.0.8.1 only when the router restarts"
                + " (the LAN page&#39;s Restart button)."), page);
    }

    @Test
    void theFactoryResetSaysAMovedLanGoesBackToTheFactorys() throws Exception {
        Browser b = admin();
        assertFalse(b.get("/system").body().contains("id=\"reset-lan\""), "on the factory's LAN: nothing to say");
        b.get("/lan");
        assertEquals(303, b.post("/lan", "address", "192.168.2.1").statusCode());
        String page = b.get("/system").body();
        assertTrue(page.contains("id=\"reset-lan\">The LAN goes back from 192.168.2.1 to the factory's\n 192.168.1.1 when"
                + " the router next restarts"), page);
    }

    @Test
    void offTheRouterImageThePageSaysWhereTheLanIsSetAndSavesNothing() throws Exception {
        fake.lanNotSettable = "The LAN address is set on this page on the HomeRouter router image.";
        Browser b = admin();
        String page = b.get("/lan").body();
        assertTrue(page.contains("id=\"lan-not-here\">The LAN address is set on this page on the HomeRouter router image."),
                page);
        assertFalse(page.contains("action=\"/lan\""), page);
        assertEquals(303, b.post("/lan", "address", "192.168.2.1").statusCode());
        assertEquals("192.168.1.1", fake.lanSaved);
        assertTrue(b.get("/lan").body().contains("Not saved. The LAN address is set on this page"), "said why");
    }
}
