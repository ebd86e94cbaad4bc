package org.homerouter.appliance;

import java.util.List;
import java.util.function.Consumer;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.Subnet;

/**
 * Says in the event log when the WAN's address changes: a new lease from the provider, the cable
 * out and back. What it ends (VPN sessions on the old address, the dial-out redialing) was logged
 * each in its own words, but not the cause: the owner asked why everyone dropped at 3 a.m. found
 * the effects only. The housekeeping looks every 30 s; a change back and forth in between goes unsaid.
 */
final class WanWatch {
    private final Consumer<String> events;
    /** The WAN's networks at the last look; null before the first, which says nothing (the start is logged). */
    private List<Subnet> seen;

    /** @param events the event log, as "service" */
    WanWatch(Consumer<String> events) {
        this.events = events;
    }

    /** The WAN's networks now ({@link RouterNetworks#wans}): said when they differ from the last look's. */
    void look(List<Subnet> wans) {
        List<Subnet> before = seen;
        seen = wans;
        if (before == null || before.equals(wans)) {
            return;
        }
        if (wans.isEmpty()) {
            events.accept("the WAN lost its address " + addresses(before) + ": no internet, no VPN calls from outside,"
                    + " until it is back");
        } else if (before.isEmpty()) {
            events.accept("the WAN has an address again: " + addresses(wans));
        } else {
            events.accept("the WAN's address changed to " + addresses(wans) + " (was " + addresses(before) + "): "
                    + advice(before, wans));
        }
    }

    /**
     * What the change means for VPN clients, by where the router stands now ({@code wans}) and stood
     * before. Not "clients reach this router at the new one": a client set up with the old address
     * dials that, and fails, until someone gives it the new one; and behind another router, clients
     * dial that one, which must forward to this one's new address.
     */
    private static String advice(List<Subnet> before, List<Subnet> wans) {
        List<String> publicNow = publicAddresses(wans);
        List<String> publicBefore = publicAddresses(before);
        if (!publicNow.isEmpty()) {
            List<String> added = publicNow.stream().filter(a -> !publicBefore.contains(a)).toList();
            List<String> gone = publicBefore.stream().filter(a -> !publicNow.contains(a)).toList();
            if (publicBefore.isEmpty()) {
                return "this router now has a public address: VPN clients must dial " + String.join(" or ", publicNow)
                        + ", not the router that stood in front of it; a dynamic-DNS name avoids this";
            }
            if (gone.isEmpty()) {
                return added.isEmpty() ? "VPN clients reach this router as before"
                        : "VPN clients can reach this router at " + String.join(" or ", added) + " too";
            }
            return "VPN clients set up with " + String.join(" or ", gone) + " cannot connect until given "
                    + String.join(" or ", publicNow) + "; a dynamic-DNS name avoids this";
        }
        if (wans.stream().anyMatch(n -> ClientReach.sharedAddressSpace(address(n)))) {
            return "the provider now gives this router a shared address (carrier-grade NAT): VPN clients on the"
                    + " internet cannot reach it at all; ask the provider for a public address";
        }
        // Only private addresses: behind another router, which clients dial and which forwards here.
        String now = plain(wans);
        return publicBefore.isEmpty()
                ? "the router in front of this one must now forward TCP port 1723 and GRE (IP protocol 47) to " + now
                + ", not " + plain(before) + " (or make " + now + " its DMZ host), or VPN clients cannot connect; give"
                + " this router a fixed address there to avoid this"
                : "another router now stands in front of this one: it must forward TCP port 1723 and GRE (IP"
                + " protocol 47) to " + now + " (or make " + now + " its DMZ host), or VPN clients cannot connect,"
                + " and clients dial its public address, no longer " + String.join(" or ", publicBefore);
    }

    /** The addresses of {@code wans} the internet can reach: neither private nor the provider's shared space. */
    private static List<String> publicAddresses(List<Subnet> wans) {
        return wans.stream().map(WanWatch::address).filter(a -> !a.isSiteLocalAddress() && !ClientReach.sharedAddressSpace(a))
                .map(java.net.InetAddress::getHostAddress).distinct().toList();
    }

    /** The addresses alone, "192.0.2.7" or "192.0.2.7 or 198.51.100.4": what a client is set up with. */
    private static String plain(List<Subnet> wans) {
        return String.join(" or ", wans.stream().map(n -> Ipv4.format(n.network())).distinct().toList());
    }

    private static java.net.Inet4Address address(Subnet n) {
        return (java.net.Inet4Address) java.net.InetAddress.ofLiteral(Ipv4.format(n.network()));
    }

    private static String addresses(List<Subnet> wans) {
        return String.join(", ", wans.stream()
                .map(n -> Ipv4.format(n.network()) + "/" + n.prefixLength() + " on " + n.interfaceName()).toList());
    }
}
