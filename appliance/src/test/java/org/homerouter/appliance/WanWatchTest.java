package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.Subnet;
import org.junit.jupiter.api.Test;

/** What the event log says when the provider changes the WAN's address, as the housekeeping sees it every 30 s. */
class WanWatchTest {
    private static final List<Subnet> OLD = List.of(new Subnet("eth0", Ipv4.parse("192.0.2.7"), 24));
    private static final List<Subnet> NEW = List.of(new Subnet("eth0", Ipv4.parse("198.51.100.5"), 22));

    @Test
    void eachChangeIsSaidOnceWithBothAddresses() {
        List<String> events = new ArrayList<>();
        WanWatch watch = new WanWatch(events::add);
        watch.look(OLD);
        watch.look(OLD);
        assertEquals(List.of(), events, "the first look and no change say nothing");
        watch.look(NEW);
        watch.look(NEW);
        watch.look(List.of());
        watch.look(OLD);
        assertEquals(List.of(
                "the WAN's address changed to 198.51.100.5/22 on eth0 (was 192.0.2.7/24 on eth0): VPN clients set up"
                        + " with 192.0.2.7 cannot connect until given 198.51.100.5; a dynamic-DNS name avoids this",
                "the WAN lost its address 198.51.100.5/22 on eth0: no internet, no VPN calls from outside, until it is"
                        + " back",
                "the WAN has an address again: 192.0.2.7/24 on eth0"), events);
    }

    /**
     * Behind another router, this router's own address changing does not change what clients dial
     * (the front router's), but the front router still forwards to the old one.
     */
    @Test
    void aChangeBehindAnotherRouterSaysThatRoutersForwardingMustFollow() {
        List<String> events = new ArrayList<>();
        WanWatch watch = new WanWatch(events::add);
        watch.look(List.of(new Subnet("eth0", Ipv4.parse("192.168.0.20"), 24)));
        watch.look(List.of(new Subnet("eth0", Ipv4.parse("192.168.0.31"), 24)));
        assertEquals(List.of("the WAN's address changed to 192.168.0.31/24 on eth0 (was 192.168.0.20/24 on eth0): the"
                + " router in front of this one must now forward TCP port 1723 and GRE (IP protocol 47) to 192.168.0.31,"
                + " not 192.168.0.20 (or make 192.168.0.31 its DMZ host), or VPN clients cannot connect; give this"
                + " router a fixed address there to avoid this"), events);
    }

    /** Several addresses: the public ones count, and only those gone or new are named. */
    @Test
    void ofSeveralAddressesThePublicOnesCount() {
        List<String> events = new ArrayList<>();
        WanWatch watch = new WanWatch(events::add);
        Subnet shared = new Subnet("eth0", Ipv4.parse("100.64.1.2"), 10);
        Subnet lan = new Subnet("eth2", Ipv4.parse("192.168.1.10"), 24);
        Subnet pub = new Subnet("eth0", Ipv4.parse("203.0.113.7"), 24);
        watch.look(List.of(shared, lan));
        watch.look(List.of(shared, pub));
        watch.look(List.of(lan, pub));
        assertEquals(List.of(
                "the WAN's address changed to 100.64.1.2/10 on eth0, 203.0.113.7/24 on eth0 (was 100.64.1.2/10 on eth0,"
                        + " 192.168.1.10/24 on eth2): this router now has a public address: VPN clients must dial"
                        + " 203.0.113.7, not the router that stood in front of it; a dynamic-DNS name avoids this",
                "the WAN's address changed to 192.168.1.10/24 on eth2, 203.0.113.7/24 on eth0 (was 100.64.1.2/10 on"
                        + " eth0, 203.0.113.7/24 on eth0): VPN clients reach this router as before"), events);
    }

    /**
     * By where the router stands now, not where it stood: a provider's box put in front (public to
     * private) was told as a new address for clients to dial, a private one they can never reach;
     * the box switched to bridge mode (private to public) as forwarding for a router no longer there.
     */
    @Test
    void aRouterPutInFrontOrTakenAwayIsSaidAsSuch() {
        List<String> events = new ArrayList<>();
        WanWatch watch = new WanWatch(events::add);
        watch.look(OLD);
        watch.look(List.of(new Subnet("eth0", Ipv4.parse("192.168.0.20"), 24)));
        watch.look(OLD);
        watch.look(List.of(new Subnet("eth0", Ipv4.parse("100.72.3.4"), 10)));
        assertEquals(List.of(
                "the WAN's address changed to 192.168.0.20/24 on eth0 (was 192.0.2.7/24 on eth0): another router now"
                        + " stands in front of this one: it must forward TCP port 1723 and GRE (IP protocol 47) to"
                        + " 192.168.0.20 (or make 192.168.0.20 its DMZ host), or VPN clients cannot connect, and clients"
                        + " dial its public address, no longer 192.0.2.7",
                "the WAN's address changed to 192.0.2.7/24 on eth0 (was 192.168.0.20/24 on eth0): this router now has a"
                        + " public address: VPN clients must dial 192.0.2.7, not the router that stood in front of it;"
                        + " a dynamic-DNS name avoids this",
                "the WAN's address changed to 100.72.3.4/10 on eth0 (was 192.0.2.7/24 on eth0): the provider now gives"
                        + " this router a shared address (carrier-grade NAT): VPN clients on the internet cannot reach"
                        + " it at all; ask the provider for a public address"), events);
    }
}
