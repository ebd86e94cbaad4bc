package org.homerouter.bridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The host route that keeps a tunnel's server on its old path when a default route enters the tunnel. */
@Tag("root")
class HostRoutePinTest {

    private static Inet4Address v4(String s) throws IOException {
        return (Inet4Address) InetAddress.getByName(s);
    }

    /** An interface {@code name} with {@code cidr}, up (a veth pair inside the namespace: no dummy module needed). */
    private static void link(Netns ns, String name, String cidr) throws IOException {
        ns.ip("link", "add", name, "type", "veth", "peer", "name", name + "p");
        ns.ip("addr", "add", cidr, "dev", name);
        ns.ip("link", "set", name, "up");
        ns.ip("link", "set", name + "p", "up");
    }

    @Test
    void theServerIsPinnedToItsGatewayAndTheRouteGoesWhenClosed() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "wan9", "10.60.0.1/24");
            ns.ip("route", "add", "10.70.0.0/16", "via", "10.60.0.254");

            HostRoutePin pin = HostRoutePin.pin(ns.name(), v4("10.70.1.1"), dev -> dev.startsWith("ppp"));
            assertTrue(ns.ip("-4", "route").contains("10.70.1.1 via 10.60.0.254 dev wan9"), ns.ip("-4", "route"));
            pin.close();
            pin.close();
            assertFalse(ns.ip("-4", "route").contains("10.70.1.1 "), ns.ip("-4", "route"));
        }
    }

    @Test
    void anAdministratorsOwnHostRouteToTheServerIsLeftAsItWas() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "wan9", "10.60.0.1/24");
            ns.ip("route", "add", "10.70.1.1/32", "via", "10.60.0.253");
            HostRoutePin pin = HostRoutePin.pin(ns.name(), v4("10.70.1.1"), dev -> dev.startsWith("ppp"));
            pin.close();
            assertTrue(ns.ip("-4", "route").contains("10.70.1.1 via 10.60.0.253 dev wan9"),
                    "still there after the tunnel: " + ns.ip("-4", "route"));
        }
    }

    @Test
    void aPinLeftByARunThatDiedIsReplacedByTheCurrentPath() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "wan9", "10.60.0.1/24");
            ns.ip("route", "add", "10.70.0.0/16", "via", "10.60.0.254");
            ns.ip("route", "add", "10.70.1.1/32", "via", "10.60.0.9", "proto", HostRoutePin.PROTO); // the old gateway
            HostRoutePin pin = HostRoutePin.pin(ns.name(), v4("10.70.1.1"), dev -> dev.startsWith("ppp"));
            assertTrue(ns.ip("-4", "route").contains("10.70.1.1 via 10.60.0.254 dev wan9"), ns.ip("-4", "route"));
            pin.close();
            assertFalse(ns.ip("-4", "route").contains("10.70.1.1 "), ns.ip("-4", "route"));
        }
    }

    @Test
    void aServerReachableOnlyThroughATunnelOrNotAtAllIsRefused() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "ppp9", "10.50.0.1/24");

            IOException loop = assertThrows(IOException.class,
                    () -> HostRoutePin.pin(ns.name(), v4("10.50.0.7"), dev -> dev.startsWith("ppp")));
            assertEquals("the server 10.50.0.7 is reachable only through the tunnel ppp9: a default route through "
                    + "the tunnel would loop", loop.getMessage());
            IOException none = assertThrows(IOException.class,
                    () -> HostRoutePin.pin(ns.name(), v4("203.0.113.9"), dev -> dev.startsWith("ppp")));
            assertTrue(none.getMessage().startsWith("no route to the server 203.0.113.9 outside the tunnel"),
                    none.getMessage());
            assertFalse(ns.ip("-4", "route").contains("10.50.0.7"), "nothing pinned: " + ns.ip("-4", "route"));
        }
    }
}
