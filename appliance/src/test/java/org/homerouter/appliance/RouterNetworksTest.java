package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.Subnet;
import org.junit.jupiter.api.Test;

/** Which of the router's networks is its WAN, and what a network routed into a tunnel may overlap. */
class RouterNetworksTest {
    /** /proc/net/route of a router whose dial-out is up, with the hold of the VPN's tunnel network. */
    private static final String ROUTES = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            eth0\t00000000\t01002C0A\t0003\t0\t0\t0\t00000000\t0\t0\t0
            eth0\t00002C0A\t00000000\t0001\t0\t0\t0\t00FCFFFF\t0\t0\t0
            eth1\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
            ppp0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\t0\t0\t0
            *\t00FAA8C0\t00000000\t0201\t0\t0\t4242\t00FFFFFF\t0\t0\t0
            """;

    private static Subnet on(String nic, String address, int prefix) {
        return new Subnet(nic, Ipv4.parse(address), prefix);
    }

    @Test
    void theWanIsWhereTheDefaultRouteLeavesNotATunnelOrAHold() {
        assertEquals(Set.of("eth0"), RouterNetworks.defaultRouteInterfaces(ROUTES));
        assertEquals(Set.of(), RouterNetworks.defaultRouteInterfaces(""), "not Linux: no WAN known");
        assertEquals(Set.of(), RouterNetworks.defaultRouteInterfaces(ROUTES.replace("0003", "0002")), "a route down");
    }

    /** A carrier-grade NAT's resolver at 10.x outside the WAN's /22, one on it, and one on the internet. */
    private static final List<java.net.Inet4Address> PROVIDERS_RESOLVERS = List.of(v4("10.11.12.13"), v4("10.44.0.1"),
            v4("192.0.2.53"));

    private static java.net.Inet4Address v4(String a) {
        try {
            return (java.net.Inet4Address) java.net.InetAddress.getByName(a);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A provider's carrier-grade NAT with its resolvers at 10.x, under an office routed as
     * 10.0.0.0/8: while the tunnel is down they are held unreachable, and the office server's name
     * cannot be looked up to dial it. Said at the dial-out's start; nothing for a server given by
     * address, or for resolvers on the WAN's own network.
     */
    @Test
    void theRoutersDnsServersInsideTheOfficesNetworksAreNamedWhenTheServerIsAName() throws Exception {
        List<Subnet> office = RoutedSubnets.parse("10.0.0.0/8", "r");
        List<Subnet> wans = List.of(on("eth0", "10.44.0.5", 22));
        List<java.net.Inet4Address> resolvers = PROVIDERS_RESOLVERS;
        assertEquals(List.of("this router's DNS server 10.11.12.13 lies inside the office's network 10.0.0.0/8, reached"
                + " only through the tunnel: while it is down, vpn.office.example cannot be looked up to dial it again."
                + " Give the server by its IPv4 address on the Site-to-site page"),
                ApplianceDialOut.nameServersInside("vpn.office.example", resolvers, office, wans));
        assertEquals(List.of(), ApplianceDialOut.nameServersInside("198.51.100.7", resolvers, office, wans));
    }

    /**
     * A branch account routing 10.0.0.0/8 takes in a provider's resolver at 10.11.12.13: held while
     * the branch is offline, the router and its LAN looked up no names, and nothing said why.
     */
    @Test
    void theRoutersDnsServersInsideABranchsNetworksAreNamed() throws Exception {
        List<Subnet> branch = RoutedSubnets.parse("10.0.0.0/8, 172.16.5.0/24", "east");
        List<Subnet> wans = List.of(on("eth0", "10.44.0.5", 22));
        List<java.net.Inet4Address> resolvers = PROVIDERS_RESOLVERS;
        assertEquals(List.of("this router's DNS server 10.11.12.13 lies inside east's routed network 10.0.0.0/8,"
                + " reached only through that branch's tunnel: names are looked up there while it is connected, and not"
                + " at all while it is not, for the router and its LAN. Narrow the account's routed networks on the Users"
                + " page, or give the router other DNS servers"),
                ApplianceDialOut.nameServersInsideBranch("east", resolvers, branch, wans));
        assertEquals(List.of(), ApplianceDialOut.nameServersInsideBranch("east", resolvers, branch.subList(1, 2), wans));
    }

    @Test
    void aLeaseInsideTheOfficesNetworksNoLongerCountsAsALan() {
        RouterNetworks n = RouterNetworks.split(List.of(on("eth0", "10.44.0.5", 22), on("eth1", "192.168.1.1", 24)),
                Set.of("eth0"));
        assertEquals(List.of(on("eth1", "192.168.1.1", 24)), n.lans());
        assertEquals(List.of(on("eth0", "10.44.0.5", 22)), n.wans());
        assertDoesNotThrow(() -> n.checkRouted(RoutedSubnets.parse("10.0.0.0/8", "r"), null));
        assertEquals("192.168.0.0/16 overlaps this router's LAN 192.168.1.0/24 on eth1: its hosts would be routed into"
                + " the tunnel instead of reached here", assertThrows(IllegalArgumentException.class,
                () -> n.checkRouted(RoutedSubnets.parse("192.168.0.0/16", "r"), null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> n.checkRouted(RoutedSubnets.parse("10.44.2.0/24", "r"), null));
        assertDoesNotThrow(() -> n.checkHoldable(RoutedSubnets.parse("10.0.0.0/8,192.168.0.0/16", "r")),
                "held around a network, its own route is the more specific");
        assertEquals("10.44.2.0/24 lies within this router's network 10.44.0.0/22 on eth0: held unreachable, its hosts"
                + " there would be cut off", assertThrows(IllegalArgumentException.class,
                () -> n.checkHoldable(RoutedSubnets.parse("10.44.2.0/24", "r"))).getMessage());
        RouterNetworks noWan = RouterNetworks.split(n.all(), Set.of());
        assertDoesNotThrow(() -> noWan.checkHoldable(RoutedSubnets.parse("10.0.0.0/8", "r")),
                "while the default route is away for a moment, the holds stay");
        assertThrows(IllegalArgumentException.class, () -> noWan.checkRouted(RoutedSubnets.parse("10.0.0.0/8", "r"), null),
                "without a default route every network counts as a LAN, as before");
    }
}
