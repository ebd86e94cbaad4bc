package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the dashboard tells the owner about where clients dial, for the routers owners have. */
class ClientReachTest {
    private static Inet4Address a(String dotted) throws Exception {
        return (Inet4Address) InetAddress.getByName(dotted);
    }

    private static final String EVERYWHERE = "0.0.0.0";

    @Test
    void aPublicAddressIsTheOneToDial() throws Exception {
        assertEquals("Clients dial 203.0.113.5, this router's internet address (if the provider changes it from time to"
                + " time, give clients a dynamic-DNS name instead, with an IPv4 (A) record: PPTP runs over IPv4 only).",
                ClientReach.describe(a(EVERYWHERE), 1723, Optional.of(a("203.0.113.5"))));
    }

    /**
     * While the site-to-site tunnel holds the default route, the route to the internet leaves from
     * the tunnel's address; the WAN's is the source of the route to the tunnel's server (pinned
     * to the WAN). The Dashboard said nothing of where clients dial in that case before.
     */
    @Test
    void underTheTunnelsDefaultRouteTheWansAddressIsTheRouteToTheTunnelsServer() throws Exception {
        Inet4Address tunnel = a("10.0.0.10");
        Inet4Address wan = a("203.0.113.5");
        Inet4Address office = a("198.51.100.7");
        java.util.Map<Inet4Address, Inet4Address> routes = java.util.Map.of(office, wan);
        java.util.function.Function<Inet4Address, Optional<Inet4Address>> route =
                to -> Optional.ofNullable(routes.get(to));
        assertEquals(Optional.of(wan), ApplianceSessions.wanSide(Optional.of(tunnel), Optional.of(office),
                tunnel::equals, route));
        // Without the tunnel in the way, the default route's source, as before.
        assertEquals(Optional.of(wan), ApplianceSessions.wanSide(Optional.of(wan), Optional.of(office),
                tunnel::equals, route));
        // The server not yet found, or no route to it: the tunnel's, which the caller leaves unsaid.
        assertEquals(Optional.of(tunnel), ApplianceSessions.wanSide(Optional.of(tunnel), Optional.empty(),
                tunnel::equals, route));
        assertEquals(Optional.of(tunnel), ApplianceSessions.wanSide(Optional.of(tunnel), Optional.of(a("192.0.2.9")),
                tunnel::equals, route));
        assertEquals(Optional.empty(), ApplianceSessions.wanSide(Optional.empty(), Optional.of(office),
                tunnel::equals, route));
    }

    @Test
    void aPrivateAddressTowardsTheInternetMeansAnotherRouterMustForwardPptp() throws Exception {
        String s = ClientReach.describe(a(EVERYWHERE), 1723, Optional.of(a("192.168.0.20")));
        assertTrue(s.contains("192.168.0.20, is private: another router stands in front of it")
                && s.contains("forwards TCP port 1723 and GRE (IP protocol 47) to 192.168.0.20"), s);
        // The router in front may have no public IPv4 itself (DS-Lite, carrier-grade NAT in a private
        // range): "once it forwards" promised what no forwarding gives.
        assertTrue(s.contains("If that router's own internet address is private or 100.64.x (carrier-grade NAT,"
                + " DS-Lite), forwarding cannot help: ask the provider for a public IPv4 address."), s);
        assertTrue(s.contains("many forward only TCP and UDP, and its DMZ host passes GRE too"), s);
        // What clients dial then, which this router cannot see; not its own private address.
        assertTrue(s.contains("Clients then dial that router's internet address (its status page shows it"), s);
        assertTrue(s.endsWith("not 192.168.0.20."), s);
    }

    @Test
    void carrierGradeNatIsNamedAndTheWayOut() throws Exception {
        String s = ClientReach.describe(a(EVERYWHERE), 1723, Optional.of(a("100.72.3.4")));
        assertTrue(s.contains("carrier-grade NAT): clients on the internet cannot reach it")
                && s.contains("Ask the provider for a public IPv4 address"), s);
    }

    @Test
    void anotherPortIsOneWindowsCannotDial() throws Exception {
        String s = ClientReach.describe(a(EVERYWHERE), 11723, Optional.of(a("203.0.113.5")));
        assertTrue(s.endsWith("Clients must dial TCP port 11723, which Windows' built-in client cannot: it always uses"
                + " 1723."), s);
    }

    @Test
    void aServerOnOneAddressOrOnlyThisMachineOrWithoutInternetSaysSo() throws Exception {
        assertTrue(ClientReach.describe(a("127.0.0.1"), 1723, Optional.of(a("203.0.113.5")))
                .startsWith("The server listens on 127.0.0.1, on this machine only"));
        assertEquals("The server listens on 192.168.1.1 only, not on this router's internet address 203.0.113.5:"
                + " clients on the internet cannot connect, only those that reach 192.168.1.1 (on the LAN, say). To take"
                + " calls from the internet, set the listen address to 0.0.0.0 (every address) on the VPN server page.",
                ClientReach.describe(a("192.168.1.1"), 1723, Optional.of(a("203.0.113.5"))));
        assertEquals("Clients dial 192.168.1.1, the one address the server listens on.",
                ClientReach.describe(a("192.168.1.1"), 1723, Optional.empty()));
        assertTrue(ClientReach.describe(a("203.0.113.5"), 1723, Optional.of(a("203.0.113.5")))
                .startsWith("Clients dial 203.0.113.5, this router's internet address"));
        assertTrue(ClientReach.describe(a(EVERYWHERE), 1723, Optional.empty())
                .startsWith("This router has no route to the internet now"));
    }
}
