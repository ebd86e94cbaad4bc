package org.homerouter.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.homerouter.appliance.store.Setting;
import org.homerouter.webui.api.RoutedSubnets;
import org.homerouter.webui.api.Subnet;

/**
 * This router's own networks as the checks of networks routed into tunnels need them: its LANs,
 * whose hosts are all here, and its WAN, the interfaces the main table's IPv4 default route leaves
 * by, whose network is the provider's segment. They were one list, the WAN counted as a LAN: a
 * provider whose carrier-grade NAT gave the WAN 10.44.0.5/22 made an office routed as 10.0.0.0/8
 * "overlap this router's LAN", and the dial-out refused to start at the next restart, for a lease
 * the owner never chose. Of the WAN's network only the part a tunnel's route would take away
 * matters: its gateway and the provider's hosts ({@link RoutedSubnets#checkAgainstWan}).
 *
 * @param lans the LANs (and every other interface's network that is not the WAN's)
 * @param wans the networks of the interfaces the default route leaves by; empty while there is none
 */
record RouterNetworks(List<Subnet> lans, List<Subnet> wans) {
    /**
     * The main routing table's IPv4 routes, in the calling thread's network namespace (as {@link
     * java.net.NetworkInterface} lists the interfaces: a thread may have entered another's).
     */
    private static final Path ROUTES = Path.of("/proc/thread-self/net/route");
    /** The WAN's interfaces as last seen with a default route; see {@link #wanInterfaces}. */
    private static volatile Set<String> lastWan = Set.of();

    /** The machine's networks now, with the LAN the settings {@code cfg} hold as {@link ApplianceLan#withLanToBe} adds it. */
    static RouterNetworks now(Map<Setting, String> cfg) {
        return split(ApplianceLan.localNetworksWithLanToBe(cfg), wanInterfaces());
    }

    /** The machine's networks now, as its interfaces have them. */
    static RouterNetworks now() {
        return split(ApplianceVpnConfig.localNetworks(), wanInterfaces());
    }

    /**
     * The interfaces of the default route now or, while there is none (a DHCP renewal between
     * removing and adding it, a gateway that went), those last seen with it: a WAN counted as a
     * LAN for a moment refused a dial-out restarted then.
     */
    private static Set<String> wanInterfaces() {
        Set<String> now = defaultRouteInterfaces(routes());
        if (now.isEmpty()) {
            return lastWan;
        }
        lastWan = Set.copyOf(now);
        return now;
    }

    static RouterNetworks split(List<Subnet> local, Set<String> wanInterfaces) {
        List<Subnet> lans = new ArrayList<>();
        List<Subnet> wans = new ArrayList<>();
        for (Subnet n : local) {
            (wanInterfaces.contains(n.interfaceName()) ? wans : lans).add(n);
        }
        return new RouterNetworks(List.copyOf(lans), List.copyOf(wans));
    }

    /**
     * Refuses {@code routed} (a dial-out's or a branch account's networks) where they would take
     * hosts away from this router's side: overlapping a LAN or the VPN's tunnel network, or lying
     * within the WAN's network.
     *
     * @throws IllegalArgumentException why, in the pages' words
     */
    void checkRouted(List<Subnet> routed, Subnet tunnelNetwork) {
        RoutedSubnets.checkAgainstLocal(routed, lans, tunnelNetwork);
        RoutedSubnets.checkAgainstWan(routed, wans);
    }

    /**
     * Refuses {@code routed} where an unreachable route for it (its hold while its tunnel is down,
     * {@link TunnelOnlyNetworks}) would cut hosts of this router's own networks off: one that is,
     * or lies within, an interface's network. One that contains an interface's network is held
     * harmlessly (that network's own route is the more specific). Which interface is the WAN does
     * not matter here: holds lifted while the default route was away for a moment let the LAN's
     * traffic to the office leave in clear when it came back.
     *
     * @throws IllegalArgumentException naming the network
     */
    void checkHoldable(List<Subnet> routed) {
        for (Subnet r : routed) {
            for (Subnet n : all()) {
                if (RoutedSubnets.overlap(r, n) && r.prefixLength() >= n.prefixLength()) {
                    throw new IllegalArgumentException(RoutedSubnets.cidr(r) + " lies within this router's network " + n
                            + ": held unreachable, its hosts there would be cut off");
                }
            }
        }
    }

    /** Every network, LANs first. */
    List<Subnet> all() {
        List<Subnet> out = new ArrayList<>(lans);
        out.addAll(wans);
        return out;
    }

    /**
     * The interfaces of the IPv4 default routes in {@code procNetRoute} (the text of
     * /proc/net/route: the main table), but our own tunnels' (a dial-out's ppp device, the VPN
     * server's pptp ones): those carry the WAN's traffic onwards, not the WAN.
     */
    static Set<String> defaultRouteInterfaces(String procNetRoute) {
        Set<String> out = new LinkedHashSet<>();
        for (String line : procNetRoute.split("\n")) {
            // Iface Destination Gateway Flags RefCnt Use Metric Mask ...; addresses in hex
            String[] f = line.trim().split("\\s+");
            if (f.length < 8 || !f[1].equals("00000000") || !f[7].equals("00000000")
                    || f[0].startsWith("ppp") || f[0].startsWith("pptp") || f[0].equals("*")) {
                continue;
            }
            try {
                if ((Integer.parseInt(f[3], 16) & 1) != 0) { // RTF_UP
                    out.add(f[0]);
                }
            } catch (NumberFormatException e) {
                // the header line
            }
        }
        return out;
    }

    private static String routes() {
        try {
            return Files.readString(ROUTES);
        } catch (IOException | RuntimeException e) {
            return ""; // not Linux: no WAN known, every network counts as a LAN, as before
        }
    }
}
