package org.homerouter.bridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The rules that keep a tunnel's server on the main table's routes when a default route enters the tunnel. */
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

    /** The rules at our preferences, one a line, without the preference's tab; protocol 99 by number. */
    private static List<String> ours(Netns ns) throws IOException {
        return ns.ip("-4", "rule", "show").lines()
                .filter(l -> l.startsWith(HostRoutePin.LOOKUP_MAIN + ":") || l.startsWith(HostRoutePin.UNREACHABLE + ":"))
                .map(l -> l.replace("\t", " ").replace(" proto openr", " proto 99")) // its name in rt_protos
                .toList();
    }

    private static final List<String> PINNED = List.of(
            "4235: from all to 10.70.1.1 lookup main proto 99",
            "4236: from all to 10.70.1.1 unreachable proto 99");

    /**
     * The dial-out's server name moved to another address, and the old one's rules were left (a
     * killed run, a removal that timed out): only the new server's were removed before its pin,
     * and the old unreachable rule stayed for good. A pin removes ours whatever their server; an
     * administrator's at the same preference stays.
     */
    @Test
    void aPinRemovesOurRulesLeftForAnotherServer() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "wan9", "10.60.0.1/24");
            ns.ip("route", "add", "10.70.0.0/16", "via", "10.60.0.254");
            ns.ip("-4", "rule", "add", "to", "10.70.9.9/32", "lookup", "main", "pref", HostRoutePin.LOOKUP_MAIN,
                    "protocol", HostRoutePin.PROTO);
            ns.ip("-4", "rule", "add", "to", "10.70.9.9/32", "unreachable", "pref", HostRoutePin.UNREACHABLE,
                    "protocol", HostRoutePin.PROTO);
            ns.ip("-4", "rule", "add", "to", "10.70.8.8/32", "unreachable", "pref", HostRoutePin.UNREACHABLE);
            try (HostRoutePin pin = HostRoutePin.pin(ns.name(), v4("10.70.1.1"), dev -> dev.startsWith("ppp"))) {
                List<String> rules = ours(ns);
                assertEquals(3, rules.size(), rules.toString());
                assertTrue(rules.containsAll(PINNED), rules.toString());
                assertTrue(rules.stream().anyMatch(r -> r.startsWith("4236: from all to 10.70.8.8 unreachable")),
                        "the administrator's stays: " + rules);
            }
        }
    }

    @Test
    void theServerIsKeptOnTheMainTableAndTheRulesGoWhenClosed() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "wan9", "10.60.0.1/24");
            ns.ip("route", "add", "10.70.0.0/16", "via", "10.60.0.254");
            String routes = ns.ip("-4", "route");

            HostRoutePin pin = HostRoutePin.pin(ns.name(), v4("10.70.1.1"), dev -> dev.startsWith("ppp"));
            assertEquals(PINNED, ours(ns));
            assertTrue(ns.ip("-4", "route", "get", "10.70.1.1").contains("via 10.60.0.254 dev wan9"),
                    ns.ip("-4", "route", "get", "10.70.1.1"));
            assertEquals(routes, ns.ip("-4", "route"), "no route of ours");
            pin.close();
            pin.close();
            assertEquals(List.of(), ours(ns));
        }
    }

    @Test
    void anAdministratorsOwnHostRouteAndRuleToTheServerAreHonouredAndLeftAsTheyWere() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "wan9", "10.60.0.1/24");
            ns.ip("route", "add", "default", "via", "10.60.0.254");
            ns.ip("route", "add", "10.70.1.1/32", "via", "10.60.0.253");
            // One of the administrator's at our preference, with our selector but not our protocol.
            ns.ip("-4", "rule", "add", "to", "10.70.1.1/32", "lookup", "main", "pref", HostRoutePin.LOOKUP_MAIN);
            HostRoutePin pin = HostRoutePin.pin(ns.name(), v4("10.70.1.1"), dev -> dev.startsWith("ppp"));
            assertTrue(ns.ip("-4", "route", "get", "10.70.1.1").contains("via 10.60.0.253 dev wan9"),
                    "the administrator's route: " + ns.ip("-4", "route", "get", "10.70.1.1"));
            pin.close();
            assertTrue(ns.ip("-4", "route").contains("10.70.1.1 via 10.60.0.253 dev wan9"),
                    "still there after the tunnel: " + ns.ip("-4", "route"));
            assertEquals(List.of("4235: from all to 10.70.1.1 lookup main"), ours(ns),
                    "the administrator's rule stays");
        }
    }

    @Test
    void aPinLeftByARunThatDiedIsReplacedAndTheMainTablesPathTaken() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "wan9", "10.60.0.1/24");
            ns.ip("route", "add", "10.70.0.0/16", "via", "10.60.0.254");
            // This firmware's rules, and an earlier firmware's host route to the old gateway.
            ns.ip("-4", "rule", "add", "to", "10.70.1.1/32", "lookup", "main", "pref", "4235", "protocol", "99");
            ns.ip("-4", "rule", "add", "to", "10.70.1.1/32", "unreachable", "pref", "4236", "protocol", "99");
            ns.ip("route", "add", "10.70.1.1/32", "via", "10.60.0.9", "proto", HostRoutePin.PROTO);
            HostRoutePin pin = HostRoutePin.pin(ns.name(), v4("10.70.1.1"), dev -> dev.startsWith("ppp"));
            assertEquals(PINNED, ours(ns));
            assertEquals("", ns.ip("-4", "route", "show", "exact", "10.70.1.1/32"), "the earlier firmware's pin is gone");
            assertTrue(ns.ip("-4", "route", "get", "10.70.1.1").contains("via 10.60.0.254 dev wan9"),
                    ns.ip("-4", "route", "get", "10.70.1.1"));
            pin.close();
            assertEquals(List.of(), ours(ns));
        }
    }

    /**
     * The user's fault: with everything through the tunnel, a WAN blip (a DHCP renewal that removes
     * and puts back the address, a cable pulled and plugged in again) deleted a host-route pin with
     * the WAN's routes, DHCP put back only the default route, and the tunnel's own packets to the
     * server went into the tunnel (the tunnel's table, {@link DefaultRouteFailClosed}'s rules): it
     * died half a minute later. The rules stay, and follow the main table's default route again.
     */
    @Test
    void theServerStaysOnTheWanWhenTheWansAddressGoesAndComesBack() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "wan9", "10.60.0.1/24");
            ns.ip("route", "add", "default", "via", "10.60.0.254");
            link(ns, "ppp9", "10.99.0.2/32");
            ns.ip("-4", "rule", "add", "lookup", "main", "suppress_prefixlength", "0", "pref", "4240");
            ns.ip("-4", "rule", "add", "lookup", DefaultRouteFailClosed.TABLE, "pref", "4241");
            HostRoutePin pin = HostRoutePin.pin(ns.name(), v4("10.70.1.1"), dev -> dev.startsWith("ppp"));
            ns.ip("route", "add", "default", "dev", "ppp9", "table", DefaultRouteFailClosed.TABLE);
            assertTrue(ns.ip("-4", "route", "get", "10.70.1.1").contains("via 10.60.0.254 dev wan9"),
                    ns.ip("-4", "route", "get", "10.70.1.1"));

            ns.ip("addr", "del", "10.60.0.1/24", "dev", "wan9");
            CommandResult meanwhile = ns.exec(Duration.ofSeconds(10), "ip", "-4", "route", "get", "10.70.1.1");
            ns.ip("addr", "add", "10.60.0.1/24", "dev", "wan9");
            ns.ip("route", "add", "default", "via", "10.60.0.254"); // as DHCP puts it back

            String path = ns.ip("-4", "route", "get", "10.70.1.1");
            assertTrue(path.contains("via 10.60.0.254 dev wan9"), "the tunnel's packets to its server: " + path);
            // Meanwhile, with no route to the server in the main table, they were refused, not sent into the tunnel.
            assertTrue(!meanwhile.succeeded() && meanwhile.output().contains("unreachable"), meanwhile.toString());
            // A new lease's gateway is followed too.
            ns.ip("route", "replace", "default", "via", "10.60.0.253");
            path = ns.ip("-4", "route", "get", "10.70.1.1");
            assertTrue(path.contains("via 10.60.0.253 dev wan9"), "after a new gateway: " + path);
            pin.close();
        }
    }

    @Test
    void aServerReachableOnlyThroughATunnelOrNotAtAllIsRefused() throws Exception {
        try (Netns ns = Netns.create("pin")) {
            link(ns, "ppp9", "10.50.0.1/24");
            // A network reached only through a tunnel (FailClosedRoutes's route: the same protocol).
            ns.ip("route", "add", "unreachable", "203.0.113.9/32", "metric", "4242", "proto", HostRoutePin.PROTO);

            IOException loop = assertThrows(IOException.class,
                    () -> HostRoutePin.pin(ns.name(), v4("10.50.0.7"), dev -> dev.startsWith("ppp")));
            assertEquals("the server 10.50.0.7 is reachable only through the tunnel ppp9: a default route through "
                    + "the tunnel would loop", loop.getMessage());
            IOException none = assertThrows(IOException.class,
                    () -> HostRoutePin.pin(ns.name(), v4("203.0.113.9"), dev -> dev.startsWith("ppp")));
            assertTrue(none.getMessage().startsWith("no route to the server 203.0.113.9 outside the tunnel"),
                    none.getMessage());
            assertEquals(List.of(), ours(ns), "nothing pinned");
            assertTrue(ns.ip("-4", "route", "show", "exact", "203.0.113.9/32").startsWith("unreachable 203.0.113.9 "),
                    "the unreachable route stays: " + ns.ip("-4", "route"));
        }
    }
}
