package org.homerouter.webui;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.homerouter.webui.api.WanSide;
import org.homerouter.webui.api.WanSide.Standing;
import org.homerouter.webui.api.WanSide.VpnPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Dashboard's Internet (WAN) card as an owner whose clients outside cannot connect reads it:
 * the router's address there, whether the internet can reach it, whether the VPN's port is open,
 * and what to do when one of them is wrong. Before it, the Dashboard said nothing of the WAN while
 * the VPN server was off, and nothing of a WAN without an address at all.
 */
class DashboardWanCardTest {
    @RegisterExtension
    final UiUnderTest ui = new UiUnderTest();

    private Browser admin;

    private String dashboard(WanSide wan) throws Exception {
        ui.fake.wanSide = wan;
        if (admin == null) {
            admin = ui.admin();
        }
        String page = admin.get("/").body();
        int at = page.indexOf("<h2>Internet (WAN)</h2>");
        assertTrue(at >= 0, "no Internet (WAN) card on the Dashboard:\n" + page);
        // Words, not markup: the template wraps its lines.
        return page.substring(at, page.indexOf("</section>", at)).replaceAll("<[^>]+>", "").replace("&#39;", "'")
                .replaceAll("\\s+", " ");
    }

    @Test
    void aPublicAddressWithTheVpnPortOpenSaysBoth() throws Exception {
        String card = dashboard(new WanSide(List.of("203.0.113.7 on eth0"), Standing.PUBLIC, VpnPort.OPEN, 1723));
        assertTrue(card.contains("This router's address on its internet side: 203.0.113.7 on eth0."), card);
        assertTrue(card.contains("A public address: devices on the internet can reach this router there."), card);
        assertTrue(card.contains("The VPN's port, TCP 1723, and GRE are open on this side."), card);
    }

    @Test
    void behindAnotherRouterItSaysWhatThatRouterMustForwardAndToWhichAddress() throws Exception {
        String card = dashboard(new WanSide(List.of("192.168.0.57 on eth0"), Standing.PRIVATE, VpnPort.OPEN, 1723));
        assertTrue(card.contains("A private address: another router (the provider's box, say) stands in front of this"
                + " one, and callers from the internet reach this router only if that router forwards TCP port 1723 and"
                + " GRE (IP protocol 47) to 192.168.0.57, or makes 192.168.0.57 its DMZ host."), card);
    }

    @Test
    void carrierGradeNatSaysNobodyCanCallInAndToAskTheProvider() throws Exception {
        String card = dashboard(new WanSide(List.of("100.72.14.9 on eth0", "10.0.0.2 on eth2"), Standing.SHARED,
                VpnPort.SERVER_OFF, 1723));
        assertTrue(card.contains("This router's addresses on its internet side: 100.72.14.9 on eth0, 10.0.0.2 on eth2."), card);
        assertTrue(card.contains("carrier-grade NAT): nobody on the internet can call in to this router, however it is"
                + " set up. Ask the provider for a public IPv4 address."), card);
        assertTrue(card.contains("The VPN server is off, so its port is closed here."), card);
    }

    @Test
    void noWanAddressSaysThereIsNoInternetAndWhatToCheck() throws Exception {
        String card = dashboard(new WanSide(List.of(), Standing.NONE, VpnPort.OPEN, 1723));
        assertTrue(card.contains("No internet connection now: this router has no address on its internet (WAN) side,"
                + " so nothing reaches the internet and no VPN client can call in. Check the cable to the WAN port"
                + " and that the provider's modem or box is on"), card);
        assertFalse(card.contains("are open on this side"), "no port is open where there is no address: " + card);
    }

    /**
     * DS-Lite or 464XLAT with the provider's box in bridge mode: IPv6 only. The card said "no internet
     * connection, check the cable" about a cable that was fine.
     */
    @Test
    void anIpv6OnlyWanSaysThisRouterNeedsIpv4NotACable() throws Exception {
        String card = dashboard(new WanSide(List.of("2001:db8:4:2::5 on eth0"), Standing.IPV6_ONLY, VpnPort.OPEN, 1723));
        assertTrue(card.contains("Only IPv6 on the internet (WAN) side (2001:db8:4:2::5 on eth0): the provider gives"
                + " this router no IPv4 address"), card);
        assertTrue(card.contains("Plug this router into a LAN port of the provider's box"), card);
        assertFalse(card.contains("Check the cable"), card);
        assertFalse(card.contains("are open on this side"), "PPTP is IPv4: nothing is open over IPv6: " + card);
    }

    /** Forwarding on a box that has no public IPv4 itself (DS-Lite) cannot work: the card says so. */
    @Test
    void behindAnotherRouterItSaysForwardingCannotHelpWhereThatRouterHasNoPublicAddress() throws Exception {
        String card = dashboard(new WanSide(List.of("192.168.178.20 on eth0"), Standing.PRIVATE, VpnPort.OPEN, 1723));
        assertTrue(card.contains("If that router's own internet address is private or shared (carrier-grade NAT,"
                + " DS-Lite), forwarding cannot help: ask the provider for a public IPv4 address."), card);
    }

    @Test
    void aPortThatIsNotOpenSaysWhyAndWhereToChangeIt() throws Exception {
        assertTrue(dashboard(new WanSide(List.of("203.0.113.7 on eth0"), Standing.PUBLIC, VpnPort.NOT_ON_WAN, 1723))
                .contains("The VPN server listens on another address only, not on this side: set its listen address to"
                        + " 0.0.0.0 (every address) on the VPN server page"));
        assertTrue(dashboard(new WanSide(List.of("203.0.113.7 on eth0"), Standing.PUBLIC, VpnPort.FIREWALL_NOT_SET, 1723))
                .contains("The router's firewall could not be set to let VPN calls in on this side: it tries again"
                        + " every 30 seconds, and the Logs page says why."));
        assertTrue(dashboard(new WanSide(List.of("203.0.113.7 on eth0"), Standing.PUBLIC, VpnPort.NOT_RUNNING, 10723))
                .contains("The VPN server is switched on but not running, so nothing answers on TCP port 10723"));
    }

    @Test
    void whereTheWanIsNotKnownThereIsNoCard() throws Exception {
        ui.fake.wanSide = null;
        assertFalse(ui.admin().get("/").body().contains("Internet (WAN)"));
    }
}
