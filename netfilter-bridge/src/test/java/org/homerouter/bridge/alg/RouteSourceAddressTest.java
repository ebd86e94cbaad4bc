package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;

import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The address the ALG's GRE NAT leaves from must be the one masquerade gives the control
 * connection: the routing table's source for the server, as {@code ip route get} shows it.
 */
@Tag("root")
class RouteSourceAddressTest {

    private static Inet4Address v4(String s) throws IOException {
        return (Inet4Address) InetAddress.getByName(s);
    }

    @Test
    void theSourceIsTheRoutesOwnAsIpRouteGetShowsIt() throws Exception {
        try (Netns ns = Netns.create("src")) {
            // A WAN with two addresses; one route names the second as its source.
            ns.ip("link", "add", "wan9", "type", "veth", "peer", "name", "wan9p");
            ns.ip("addr", "add", "10.61.0.1/24", "dev", "wan9");
            ns.ip("addr", "add", "10.61.0.2/24", "dev", "wan9");
            ns.ip("link", "set", "wan9", "up");
            ns.ip("link", "set", "wan9p", "up");
            ns.ip("route", "add", "default", "via", "10.61.0.254");
            ns.ip("route", "add", "10.80.0.0/16", "via", "10.61.0.254", "src", "10.61.0.2");

            RouteSourceAddress sources = new RouteSourceAddress(ns.name());
            assertEquals(v4("10.61.0.1"), sources.publicAddressFor(v4("198.51.100.7")));
            assertEquals(v4("10.61.0.2"), sources.publicAddressFor(v4("10.80.3.4")));
            for (String server : new String[] {"198.51.100.7", "10.80.3.4"}) {
                String route = ns.ip("-4", "-o", "route", "get", server);
                assertTrue(route.contains("src " + sources.publicAddressFor(v4(server)).getHostAddress()), route);
            }

            ns.ip("route", "del", "default");
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> sources.publicAddressFor(v4("198.51.100.7")));
            assertTrue(e.getMessage().contains("no route to 198.51.100.7"), e.getMessage());
        }
    }
}
