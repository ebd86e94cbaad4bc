package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.Subnet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The VPN server page's refusal of a tunnel network or pool on one of the router's own networks,
 * as an owner behind a provider's box reads it: the box's network (the WAN's) was called "the LAN
 * 192.168.0.0/24 on eth0", and the owner went looking on the LAN page. Each network is named by its
 * side, or as one of the router's where the side is not known, and a free network is suggested.
 */
class VpnOverlapWordsTest {
    @RegisterExtension
    final UiUnderTest ui = new UiUnderTest();

    private static HttpResponse<String> save(Browser b, String local, String start, String end) throws Exception {
        return b.post("/vpn", "enabled", "on", "listen_address", "0.0.0.0", "port", "1723", "local_address", local,
                "pool_start", start, "pool_end", end, "auth", "mschapv2", "mppe", "require-128", "max_sessions", "10",
                "idle_timeout", "0");
    }

    @Test
    void aPoolOnTheProvidersNetworkIsSaidToBeOnTheInternetSideWithAFreeNetworkToUse() throws Exception {
        ui.fake.lans = List.of(new Subnet("eth1", Ipv4.parse("192.168.1.1"), 24, Subnet.Side.LAN),
                new Subnet("eth0", Ipv4.parse("192.168.0.57"), 24, Subnet.Side.WAN),
                new Subnet("wlan0", Ipv4.parse("10.9.0.5"), 16));
        Browser b = ui.admin();
        String page = b.get("/vpn").body();
        assertTrue(page.contains("The tunnel network and its pool must not overlap any of these:"
                + " this router&#39;s LAN (192.168.1.0/24); the network on this router&#39;s internet (WAN) side"
                + " (192.168.0.0/24); a network of this router&#39;s (10.9.0.0/16 on wlan0)."), page);

        String wan = save(b, "192.168.0.1", "192.168.0.10", "192.168.0.50").body();
        assertTrue(wan.contains("the tunnel network 192.168.0.0/24 overlaps the network on this router&#39;s internet"
                + " (WAN) side (192.168.0.0/24): VPN clients would not reach the hosts there. Use a network this router"
                + " does not use, such as 192.168.2.0/24 (router&#39;s tunnel address 192.168.2.1, pool 192.168.2.10 to"
                + " 192.168.2.50)"), wan);
        assertTrue(wan.contains("the pool overlaps the network on this router&#39;s internet (WAN) side"
                + " (192.168.0.0/24): move it, with the router&#39;s tunnel address, to a network this router does not"
                + " use, such as 192.168.2.0/24"), wan);
        assertFalse(wan.contains("the LAN"), "the provider's network is not the LAN: " + wan);

        String lan = save(b, "192.168.1.200", "192.168.1.210", "192.168.1.220").body();
        assertTrue(lan.contains("the pool overlaps this router&#39;s LAN (192.168.1.0/24)"), lan);

        String other = save(b, "10.9.3.1", "10.9.3.10", "10.9.3.20").body();
        assertTrue(other.contains("the tunnel network 10.9.3.0/24 overlaps a network of this router&#39;s"
                + " (10.9.0.0/16 on wlan0)"), other);
        assertEquals(0, ui.fake.applied, "nothing saved");
    }

    /**
     * The free network suggested was the first 192.168.x.0/24 off the router's interfaces, even where
     * a branch office's network was routed: the owner who typed it in moved the VPN clients onto the
     * office's hosts. It keeps clear of the networks routed into tunnels, and a tunnel network on one
     * of them is refused, as the Users and Site-to-site pages refuse the other way round.
     */
    @Test
    void theNetworkSuggestedKeepsClearOfTheNetworksRoutedIntoTunnelsAndATunnelOnOneIsRefused() throws Exception {
        ui.fake.lans = List.of(new Subnet("eth1", Ipv4.parse("192.168.1.1"), 24, Subnet.Side.LAN),
                new Subnet("eth0", Ipv4.parse("192.168.0.57"), 24, Subnet.Side.WAN));
        Browser b = ui.admin();
        ui.fake.users.put("branch", new org.homerouter.webui.api.UserAccounts.UserRow("branch", true, null, false,
                org.homerouter.webui.api.UserAccounts.LastConnection.NEVER));
        ui.fake.routed.put("branch", "192.168.2.0/24");
        ui.fake.siteToSiteSettings = new org.homerouter.webui.api.SiteToSite.Settings(true, "vpn.example.net", "office",
                "require-128", "192.168.3.0/24", false, true);
        String page = b.get("/vpn").body();
        assertTrue(page.contains("must not overlap any of these: this router&#39;s LAN (192.168.1.0/24);"
                + " the network on this router&#39;s internet (WAN) side (192.168.0.0/24); 192.168.2.0/24, routed to"
                + " VPN user branch; 192.168.3.0/24, routed to the site-to-site tunnel."), "the page lists what the"
                + " save refuses: " + page);

        String wan = save(b, "192.168.0.1", "192.168.0.10", "192.168.0.50").body();
        assertTrue(wan.contains("Use a network this router does not use, such as 192.168.4.0/24 (router&#39;s tunnel"
                + " address 192.168.4.1, pool 192.168.4.10 to 192.168.4.50)"), wan);
        assertFalse(wan.contains("such as 192.168.2.0/24"), wan);

        String branch = save(b, "192.168.2.1", "192.168.2.10", "192.168.2.50").body();
        assertTrue(branch.contains("the tunnel network 192.168.2.0/24 overlaps 192.168.2.0/24, which this router routes"
                + " to VPN user branch: VPN clients would be given addresses of hosts there. Use a network this router"
                + " does not use, such as 192.168.4.0/24"), branch);
        String office = save(b, "192.168.3.1", "192.168.3.10", "192.168.3.50").body();
        assertTrue(office.contains("the tunnel network 192.168.3.0/24 overlaps 192.168.3.0/24, which this router routes"
                + " to the site-to-site tunnel"), office);
        assertEquals(0, ui.fake.applied, "nothing saved");
    }
}
