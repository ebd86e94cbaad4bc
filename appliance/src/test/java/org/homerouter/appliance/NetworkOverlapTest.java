package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.Subnet;
import org.junit.jupiter.api.Test;

class NetworkOverlapTest {
    private static Subnet on(String nic, String address, int prefix) {
        return new Subnet(nic, Ipv4.parse(address), prefix);
    }

    @Test
    void aWanGivenTheLansNetworkByTheProvidersBoxIsNamedWithBothAddressesAndAFreeNetworkToMoveTo() {
        String s = NetworkOverlap.describe(List.of(on("eth0", "192.168.1.57", 24), on("eth1", "192.168.1.1", 24),
                on("eth2", "192.168.2.1", 24)), List.of()).orElseThrow();
        assertTrue(s.startsWith("This router's interfaces eth0 (192.168.1.57/24) and eth1 (192.168.1.1/24) are on the"
                + " same network, 192.168.1.0/24"), s);
        assertTrue(s.contains("change this router's LAN on the LAN page (to 192.168.3.0/24, say) and restart it, or change"
                + " that router's LAN network and restart this one."), s);
    }

    @Test
    void aNarrowNetworkInsideAWideOneOverlapsToo() {
        String s = NetworkOverlap.describe(List.of(on("eth0", "10.1.2.1", 24), on("eth1", "10.200.0.9", 8)), List.of())
                .orElseThrow();
        assertTrue(s.contains("are on the same network, 10.0.0.0/8"), s);
    }

    @Test
    void aWanLeasedInTheVpnsTunnelNetworkIsNamedWithAFreeOne() {
        Subnet tunnel = on("the VPN tunnel", "192.168.250.1", 24);
        List<Subnet> networks = List.of(on("eth1", "192.168.2.1", 24), on("eth0", "192.168.250.57", 24));
        assertEquals("The VPN's tunnel network 192.168.250.0/24 (the addresses its clients are given) overlaps this"
                + " router's eth0 network (192.168.250.57/24): clients given those addresses cannot reach the hosts"
                + " there that have them. Choose another tunnel network on the VPN server page (192.168.3.0/24, say).",
                NetworkOverlap.tunnelNetwork(tunnel, networks, List.of()).orElseThrow());
        assertEquals(Optional.empty(), NetworkOverlap.tunnelNetwork(tunnel, List.of(on("eth0", "192.0.2.7", 24)), List.of()));
        assertEquals(Optional.empty(), NetworkOverlap.tunnelNetwork(null, networks, List.of()), "the VPN server off");
    }

    @Test
    void separateNetworksAndTwoAddressesOfOneInterfaceAreNoOverlap() {
        assertEquals(Optional.empty(), NetworkOverlap.describe(List.of(on("eth0", "192.168.0.57", 24),
                on("eth1", "192.168.1.1", 24), on("eth1", "192.168.1.2", 24), on("eth2", "10.0.0.1", 25),
                on("eth3", "10.0.0.129", 25)), List.of()));
    }

    /**
     * The free network named was the first 192.168.x.0/24 off the interfaces, even where a branch
     * office's network, the site-to-site tunnel's or the VPN's tunnel network was: the owner who took
     * it was refused by the LAN page, or (the tunnel's) moved clients onto the office's hosts.
     */
    @Test
    void theFreeNetworkNamedAvoidsTheNetworksRoutedIntoTunnelsAndTheVpnsTunnelNetwork() {
        List<Subnet> routed = org.homerouter.webui.api.RoutedSubnets.routed(
                java.util.Map.of("branch", "192.168.2.0/24,192.168.3.0/24"), "192.168.4.0/23");
        String lan = NetworkOverlap.describe(List.of(on("eth0", "192.168.1.57", 24), on("eth1", "192.168.1.1", 24)),
                NetworkOverlap.refusedBesides(on("the VPN tunnel", "192.168.6.1", 24), routed)).orElseThrow();
        assertTrue(lan.contains("change this router's LAN on the LAN page (to 192.168.7.0/24, say)"), lan);

        String tunnel = NetworkOverlap.tunnelNetwork(on("the VPN tunnel", "192.168.1.1", 24),
                List.of(on("eth0", "192.168.1.57", 24)), routed).orElseThrow();
        assertTrue(tunnel.endsWith("Choose another tunnel network on the VPN server page (192.168.6.0/24, say)."), tunnel);
    }
}
