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
        RouterNetworks noWan = RouterNetworks.split(n.all(), Set.of());
        assertThrows(IllegalArgumentException.class, () -> noWan.checkRouted(RoutedSubnets.parse("10.0.0.0/8", "r"), null),
                "without a default route every network counts as a LAN, as before");
    }
}
