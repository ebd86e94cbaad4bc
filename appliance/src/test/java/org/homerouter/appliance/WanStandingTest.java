package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.List;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.Subnet;
import org.homerouter.webui.api.WanSide;
import org.homerouter.webui.api.WanSide.Standing;
import org.homerouter.webui.api.WanSide.VpnPort;
import org.junit.jupiter.api.Test;

class WanStandingTest {
    private static final InetSocketAddress EVERY = new InetSocketAddress("0.0.0.0", 1723);

    private static Subnet wan(String address) {
        return new Subnet("eth0", Ipv4.parse(address), 24);
    }

    private static WanSide of(List<Subnet> wans, InetSocketAddress listening) {
        return WanStanding.of(wans, true, 1723, listening, true, false, List.of());
    }

    @Test
    void theAddressesSayWhetherTheInternetCanReachTheRouter() {
        WanSide pub = of(List.of(wan("203.0.113.7")), EVERY);
        assertEquals(List.of("203.0.113.7 on eth0"), pub.addresses());
        assertEquals(Standing.PUBLIC, pub.standing());
        assertEquals(Standing.PRIVATE, of(List.of(wan("192.168.0.57")), EVERY).standing());
        assertEquals(Standing.SHARED, of(List.of(wan("100.72.14.9")), EVERY).standing());
        // A public address among others is where the internet reaches it; the shared range only without one.
        assertEquals(Standing.PUBLIC, of(List.of(wan("100.72.14.9"), wan("198.51.100.4")), EVERY).standing());
        assertEquals(Standing.SHARED, of(List.of(wan("10.0.0.2"), wan("100.72.14.9")), EVERY).standing());
        assertEquals(Standing.NONE, of(List.of(), EVERY).standing());
    }

    /** DS-Lite with the provider's box in bridge mode: IPv6 on the WAN, no IPv4. Not "no internet, check the cable". */
    @Test
    void anIpv6OnlyWanIsNotAWanWithoutAddress() {
        WanSide v6 = WanStanding.of(List.of(), true, 1723, EVERY, true, false, List.of("2001:db8:4:2::5 on eth0"));
        assertEquals(Standing.IPV6_ONLY, v6.standing());
        assertEquals(List.of("2001:db8:4:2::5 on eth0"), v6.addresses());
        // With an IPv4 address too (dual-stack), IPv4 decides.
        assertEquals(Standing.PUBLIC, WanStanding.of(List.of(wan("203.0.113.7")), true, 1723, EVERY, true, false,
                List.of("2001:db8:4:2::5 on eth0")).standing());
    }

    /**
     * The kernel's own lists: the WAN's global address counts; its link-local one, a unique local
     * one (fc00::/7), one still in duplicate address detection, and an address of an interface
     * without a default route (the LAN's, routed only to its own network) do not; nor do lo's
     * "unreachable" default and another interface's reject default, nor our tunnels' defaults.
     */
    @Test
    void theWansIpv6AddressesAreTheGlobalOnesOfTheDefaultRoutesInterface() {
        String routes = String.join("\n",
                "20010db8000900000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth1",
                "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0",
                "20010db8000400020000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0",
                "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo",
                "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200201     eth2",
                "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00000001     ppp0",
                "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00000001   pptp3");
        String addresses = String.join("\n",
                "20010db8000400020000000000000005 02 40 00 00     eth0",
                "fe80000000000000505400fffe123456 02 40 20 80     eth0",
                "fd001234000000000000000000000001 02 40 00 00     eth0",
                "20010db8000400020000000000000007 02 40 00 40     eth0",
                "20010db8000900000000000000000001 03 40 00 80     eth1",
                "00000000000000000000000000000001 01 80 10 80       lo",
                "20010db8000a00000000000000000001 01 80 00 80       lo",
                "20010db8000b00000000000000000001 04 40 00 80     eth2",
                "20010db8000c00000000000000000001 05 40 00 80     ppp0",
                "20010db8000d00000000000000000001 06 40 00 80    pptp3");
        assertEquals(List.of("2001:db8:4:2::5 on eth0"), Ipv6Wan.addresses(routes, addresses));
        assertEquals("2001:db8::1:0:0:1", Ipv6Wan.formatted(java.util.HexFormat.of().parseHex("20010db8000000000001000000000001")));
        assertEquals("::1", Ipv6Wan.formatted(java.util.HexFormat.of().parseHex("00000000000000000000000000000001")));
        assertEquals("2001:db8:0:1:1:1:1:1", Ipv6Wan.formatted(java.util.HexFormat.of().parseHex("20010db8000000010001000100010001")));
        assertEquals(List.of(), Ipv6Wan.addresses("", addresses), "no IPv6 default route: no IPv6 WAN");
    }

    /**
     * A server bound to one WAN address is reached there alone: the private one it listens on,
     * beside a public one, is not "reachable from the internet", and the advice names it first.
     */
    @Test
    void aServerBoundToOneWanAddressIsJudgedByThatAddress() {
        List<Subnet> both = List.of(wan("203.0.113.7"), wan("192.168.0.57"));
        WanSide bound = of(both, new InetSocketAddress("192.168.0.57", 1723));
        assertEquals(Standing.PRIVATE, bound.standing());
        assertEquals(List.of("192.168.0.57 on eth0", "203.0.113.7 on eth0"), bound.addresses());
        assertEquals(VpnPort.OPEN, bound.vpnPort());
        assertEquals(Standing.PUBLIC, of(both, EVERY).standing(), "listening on every address: the public one");
        assertEquals(Standing.PUBLIC, of(both, new InetSocketAddress("203.0.113.7", 1723)).standing());
    }

    @Test
    void theVpnPortIsOpenOnlyWhereTheServerListensAndTheFirewallAdmitsIt() {
        List<Subnet> wans = List.of(wan("203.0.113.7"));
        assertEquals(VpnPort.OPEN, of(wans, EVERY).vpnPort());
        assertEquals(VpnPort.OPEN, of(wans, new InetSocketAddress("203.0.113.7", 1723)).vpnPort());
        assertEquals(VpnPort.NOT_ON_WAN, of(wans, new InetSocketAddress("192.168.1.1", 1723)).vpnPort());
        assertEquals(VpnPort.NOT_RUNNING, of(wans, null).vpnPort());
        assertEquals(VpnPort.SERVER_OFF, WanStanding.of(wans, false, 1723, null, true, false, List.of()).vpnPort());
        assertEquals(VpnPort.FIREWALL_NOT_SET, WanStanding.of(wans, true, 1723, EVERY, true, true, List.of()).vpnPort());
        assertEquals(VpnPort.HOST_FIREWALL, WanStanding.of(wans, true, 1723, EVERY, false, false, List.of()).vpnPort());
        assertEquals(10723, WanStanding.of(wans, true, 1723, new InetSocketAddress("0.0.0.0", 10723), true, false, List.of()).port());
    }
}
