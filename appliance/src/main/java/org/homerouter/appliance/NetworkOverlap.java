package org.homerouter.appliance;

import java.util.ArrayList;
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
     * @param elsewhere the networks the LAN page refuses besides the interfaces' (the VPN's tunnel
     *                  network, those routed into tunnels, {@link #refusedBesides}): the LAN suggested
     *                  must be one it takes
     */
    static Optional<String> describe(List<Subnet> networks, List<Subnet> elsewhere) {
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
                            + " LAN on the LAN page (to " + RoutedSubnets.unused(both(networks, elsewhere)) + ", say) and restart it, or change that"
                            + " router's LAN network and restart this one.");
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The VPN's tunnel network (its router address and its clients' pool) overlapping one of this
     * router's interfaces' networks, said in words, or empty. The VPN page refuses that when it is
     * saved, but the interfaces' networks change afterwards (a new lease from the provider's box on
     * the WAN, a LAN set by hand), and nothing said so: the clients given addresses there then
     * collide with those hosts, the provider's gateway among them.
     *
     * @param tunnel the tunnel network, or null (the VPN server off)
     * @param routed the networks routed into tunnels ({@link RoutedSubnets#routed}), which the VPN
     *               page refuses the tunnel network on too: the network suggested must be one it takes
     */
    static Optional<String> tunnelNetwork(Subnet tunnel, List<Subnet> networks, List<Subnet> routed) {
        if (tunnel == null) {
            return Optional.empty();
        }
        for (Subnet n : networks) {
            if (RoutedSubnets.overlap(tunnel, n)) {
                List<Subnet> taken = both(networks, routed);
                taken.add(tunnel);
                return Optional.of("The VPN's tunnel network " + RoutedSubnets.cidr(tunnel) + " (the addresses its"
                        + " clients are given) overlaps this router's " + n.interfaceName() + " network ("
                        + address(n) + "): clients given those addresses cannot reach the hosts there that have them."
                        + " Choose another tunnel network on the VPN server page (" + RoutedSubnets.unused(taken) + ", say).");
            }
        }
        return Optional.empty();
    }

    /**
     * What the LAN page refuses a LAN on besides the interfaces' networks (ApplianceLan.check): the
     * VPN's tunnel network (null: the server is off) and every network routed into a tunnel.
     */
    static List<Subnet> refusedBesides(Subnet tunnel, List<Subnet> routed) {
        List<Subnet> out = new ArrayList<>(routed);
        if (tunnel != null) {
            out.add(tunnel);
        }
        return out;
    }

    /** The networks routed into tunnels, as stored ({@link RoutedSubnets#routed}). */
    static List<Subnet> routed(org.homerouter.appliance.store.ApplianceStore store,
            java.util.Map<org.homerouter.appliance.store.Setting, String> cfg) throws java.sql.SQLException {
        return RoutedSubnets.routed(store.allRoutedSubnets(), cfg.get(org.homerouter.appliance.store.Setting.DIALOUT_SUBNETS));
    }

    private static List<Subnet> both(List<Subnet> a, List<Subnet> b) {
        List<Subnet> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static String address(Subnet s) {
        return Ipv4.format(s.network()) + "/" + s.prefixLength();
    }
}
