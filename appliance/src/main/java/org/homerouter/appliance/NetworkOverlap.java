package org.homerouter.appliance;

import java.util.List;
import java.util.Optional;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.Subnet;

/**
 * Two of the router's interfaces on overlapping IPv4 networks, said in words for the dashboard and
 * {@code status}. The usual case is the first hour of a router put behind the provider's own box:
 * that box hands the WAN an address in 192.168.1.0/24, the network this router's LAN uses too. The
 * router then has two routes to the same addresses and cannot tell on which side a host is: the
 * provider's gateway may even be this router's own LAN address, so no default route can be set,
 * and the dashboard said only "no route to the internet".
 */
final class NetworkOverlap {
    private NetworkOverlap() {
    }

    /**
     * The first pair of interfaces whose networks overlap, or empty. Two networks on one interface
     * (aliases) are no fault; our tunnels' devices are not in {@code networks} (their /32s are the
     * pool's).
     *
     * @param networks each interface's address and prefix length, as {@link ApplianceVpnConfig#localNetworks()} gives them
     */
    static Optional<String> describe(List<Subnet> networks) {
        for (int i = 0; i < networks.size(); i++) {
            for (int j = i + 1; j < networks.size(); j++) {
                Subnet a = networks.get(i);
                Subnet b = networks.get(j);
                if (!a.interfaceName().equals(b.interfaceName()) && RoutedSubnets.overlap(a, b)) {
                    Subnet wider = a.prefixLength() <= b.prefixLength() ? a : b;
                    return Optional.of("This router's interfaces " + a.interfaceName() + " (" + address(a) + ") and "
                            + b.interfaceName() + " (" + address(b) + ") are on the same network, "
                            + RoutedSubnets.cidr(wider) + ": the router"
                            + " cannot tell on which side those addresses are, and traffic to them, and to the internet"
                            + " through a router among them, goes astray. Usually the router in front of this one (the"
                            + " provider's) gives out the same addresses as this router's LAN: change this router's"
                            + " LAN on the LAN page (to " + unused(networks) + ", say) and restart it, or change that"
                            + " router's LAN network and restart this one.");
                }
            }
        }
        return Optional.empty();
    }

    private static String address(Subnet s) {
        return Ipv4.format(s.network()) + "/" + s.prefixLength();
    }

    /** A 192.168.x.0/24 none of {@code networks} is on, to name in advice. */
    static String unused(List<Subnet> networks) {
        for (int x = 2; x < 255; x++) {
            Subnet candidate = new Subnet("", Ipv4.parse("192.168." + x + ".0"), 24);
            if (networks.stream().noneMatch(n -> RoutedSubnets.overlap(n, candidate))) {
                return "192.168." + x + ".0/24";
            }
        }
        return "another private network";
    }
}
