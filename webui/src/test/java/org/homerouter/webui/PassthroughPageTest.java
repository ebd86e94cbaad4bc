package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.homerouter.webui.api.VpnSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PPTP passthrough page as an owner reads it: when to switch it on, said first, and an inbound
 * forward to an address off the LAN refused, where a private address alone was enough (the
 * provider box's 192.168.0.10 was saved as "Incoming PPTP goes to 192.168.0.10").
 */
class PassthroughPageTest {
    @RegisterExtension
    final UiUnderTest ui = new UiUnderTest();

    @Test
    void thePageSaysFirstWhenToSwitchItOnAndTheHowAfter() throws Exception {
        String page = ui.admin().get("/passthrough").body().replace('\n', ' ');
        int when = page.indexOf("<p>Turn passthrough on if people here connect to a PPTP VPN outside, such as their"
                + " work's, from their own computers or phones: without it, two of them cannot be connected at once.");
        int how = page.indexOf("<p class=\"note\">Passthrough lets several computers on your LAN connect to outside"
                + " PPTP servers at the same time:");
        assertTrue(when > 0 && how > when && page.indexOf("<form method=\"post\" action=\"/passthrough\"") > how, page);
    }

    @Test
    void aForwardToAnAddressOffTheLanIsRefusedSayingWhatToEnter() throws Exception {
        VpnSettings v = ui.fake.vpn; // the VPN server off: the forward would take nothing from it
        ui.fake.vpn = new VpnSettings(false, v.listenAddress(), v.port(), v.localAddress(), v.poolStart(), v.poolEnd(),
                v.dnsPrimary(), v.dnsSecondary(), v.winsPrimary(), v.winsSecondary(), v.authMethods(), v.mppe(),
                v.maxSessions(), v.idleTimeoutMinutes());
        Browser b = ui.admin();
        b.get("/passthrough");
        HttpResponse<String> wan = b.post("/passthrough", "inbound_server", "192.168.0.10");
        assertEquals(400, wan.statusCode(), wan.body());
        assertTrue(wan.body().contains("192.168.0.10 is not on your LAN (192.168.1.0/24): enter the address of the PPTP"
                + " server on your LAN, e.g. 192.168.1.20."), wan.body());
        assertEquals("", ui.fake.inboundServer, "nothing saved");

        assertEquals(303, b.post("/passthrough", "inbound_server", "192.168.1.20").statusCode());
        assertEquals("192.168.1.20", ui.fake.inboundServer);
        assertTrue(b.get("/passthrough").body().contains("Incoming PPTP goes to 192.168.1.20."));

        // The example is never the router's own address.
        assertEquals("10.0.8.5 is not on your LAN (10.0.9.0/24): enter the address of the PPTP server on your LAN,"
                + " e.g. 10.0.9.21.", PassthroughPage.notOnLan("10.0.8.5", "10.0.9.20"));
    }
}
