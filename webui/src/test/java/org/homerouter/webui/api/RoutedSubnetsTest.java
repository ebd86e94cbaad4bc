package org.homerouter.webui.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the administrator is told when the networks to route through a site-to-site tunnel would break something. */
class RoutedSubnetsTest {
    private static final List<Subnet> LANS = List.of(new Subnet("eth1", Ipv4.parse("192.168.1.1"), 24));
    private static final Subnet TUNNEL = new Subnet("tunnel", Ipv4.parse("192.168.250.1"), 24);

    private static String refusal(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void listParsesAndIsStoredInCanonicalForm() {
        List<Subnet> s = RoutedSubnets.parse(" 10.2.0.0/24 ,10.3.0.0/16", "remote");
        assertEquals("10.2.0.0/24,10.3.0.0/16", RoutedSubnets.format(s));
        assertEquals(List.of(), RoutedSubnets.parse("  ", "remote"));
    }

    @Test
    void malformedEntriesAreNamed() {
        assertEquals("'10.2.0.0' is not a network such as 192.168.2.0/24", refusal(() -> RoutedSubnets.parse("10.2.0.0", "r")));
        assertEquals("'10.2.0.0/33' is not a network such as 192.168.2.0/24",
                refusal(() -> RoutedSubnets.parse("10.2.0.0/33", "r")));
        assertEquals("10.2.0.7/24 has host bits set: did you mean 10.2.0.0/24?",
                refusal(() -> RoutedSubnets.parse("10.2.0.7/24", "r")));
        assertEquals("0.0.0.0/0 is the whole internet, not a remote site's network",
                refusal(() -> RoutedSubnets.parse("0.0.0.0/0", "r")));
    }

    @Test
    void networksThatOverlapEachOtherAreRefused() {
        assertEquals("10.2.1.0/24 overlaps 10.2.0.0/16, listed before it",
                refusal(() -> RoutedSubnets.parse("10.2.0.0/16,10.2.1.0/24", "r")));
    }

    @Test
    void aRoutedNetworkOverlappingTheLanOrThePoolIsRefused() {
        String lan = refusal(() -> RoutedSubnets.checkAgainstLocal(RoutedSubnets.parse("192.168.0.0/16", "r"), LANS, TUNNEL));
        assertEquals("192.168.0.0/16 overlaps this router's LAN 192.168.1.0/24 on eth1: its hosts would be routed into "
                + "the tunnel instead of reached here", lan);
        String pool = refusal(() -> RoutedSubnets.checkAgainstLocal(RoutedSubnets.parse("192.168.250.128/25", "r"), LANS, TUNNEL));
        assertEquals("192.168.250.128/25 overlaps the VPN tunnel network 192.168.250.0/24 (the router's tunnel address "
                + "and the client pool)", pool);
        assertDoesNotThrow(() -> RoutedSubnets.checkAgainstLocal(RoutedSubnets.parse("10.2.0.0/24", "r"), LANS, TUNNEL));
    }

    /**
     * The provider's carrier-grade NAT leases the WAN 10.44.0.5/22: an office routed as 10.0.0.0/8
     * around it works (the WAN's route is the more specific) and is said; one inside the provider's
     * segment would take its gateway into the tunnel.
     */
    @Test
    void aRoutedNetworkAroundTheWansIsAllowedAndOneWithinItRefused() {
        List<Subnet> wans = List.of(new Subnet("eth0", Ipv4.parse("10.44.0.5"), 22));
        List<Subnet> office = RoutedSubnets.parse("10.0.0.0/8,172.16.0.0/12", "r");
        assertDoesNotThrow(() -> RoutedSubnets.checkAgainstWan(office, wans));
        assertEquals(List.of("10.0.0.0/8 contains this router's WAN network 10.44.0.0/22 on eth0"),
                RoutedSubnets.containingWan(office, wans));
        for (String within : List.of("10.44.0.0/22", "10.44.1.0/24", "10.44.3.7/32")) {
            assertEquals(within + " lies within the network of this router's WAN (its internet side), 10.44.0.0/22 on"
                    + " eth0: the provider's gateway and hosts there would be routed into the tunnel",
                    refusal(() -> RoutedSubnets.checkAgainstWan(RoutedSubnets.parse(within, "r"), wans)));
        }
        assertDoesNotThrow(() -> RoutedSubnets.checkAgainstWan(RoutedSubnets.parse("10.45.0.0/16", "r"), wans));
        assertEquals(List.of(), RoutedSubnets.containingWan(RoutedSubnets.parse("10.45.0.0/16", "r"), wans));
    }

    @Test
    void aServerInsideTheRoutedNetworksWouldLoopAndIsRefused() {
        List<Subnet> routed = RoutedSubnets.parse("10.0.0.0/8", "r");
        assertEquals("the server 10.9.9.9 lies inside 10.0.0.0/8: the tunnel's own packets would be routed into the "
                + "tunnel (a loop); reach the server by an address outside the routed networks",
                refusal(() -> RoutedSubnets.checkServerOutside(routed, Ipv4.parse("10.9.9.9"))));
        assertDoesNotThrow(() -> RoutedSubnets.checkServerOutside(routed, Ipv4.parse("172.16.0.1")));
    }
}
