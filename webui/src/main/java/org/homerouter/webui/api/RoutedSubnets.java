package org.homerouter.webui.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The networks routed through a site-to-site tunnel ("10.2.0.0/24, 10.3.0.0/16"), checked before
 * they are stored: a routed network that overlaps the router's own LAN or its VPN tunnel network
 * would take traffic away from hosts that are right here, and one that contains the remote PPTP
 * server would send the tunnel's own packets into the tunnel (a loop that never comes up). The UI
 * form and the command line use the same rules, so both refuse with the same sentence.
 */
public final class RoutedSubnets {
    private RoutedSubnets() {
    }

    /**
     * Parses comma-separated CIDR networks; empty text is no networks.
     *
     * @throws IllegalArgumentException saying which entry is wrong and why
     */
    public static List<Subnet> parse(String csv, String label) {
        List<Subnet> out = new ArrayList<>();
        if (csv == null || csv.isBlank()) {
            return out;
        }
        for (String raw : csv.split(",")) {
            String entry = raw.strip();
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            String prefix = slash < 0 ? "" : entry.substring(slash + 1);
            if (!Ipv4.valid(address) || !prefix.matches("[0-9]{1,2}") || Integer.parseInt(prefix) > 32) {
                throw new IllegalArgumentException("'" + entry + "' is not a network such as 192.168.2.0/24");
            }
            int length = Integer.parseInt(prefix);
            Subnet s = new Subnet(label, Ipv4.parse(address), length);
            String exact = Ipv4.format(s.network() & s.mask()) + "/" + length;
            if (length == 0) {
                throw new IllegalArgumentException(entry + " is the whole internet, not a remote site's network");
            }
            if ((s.network() & ~s.mask()) != 0) {
                throw new IllegalArgumentException(entry + " has host bits set: did you mean " + exact + "?");
            }
            for (Subnet earlier : out) {
                if (overlap(earlier, s)) {
                    throw new IllegalArgumentException(exact + " overlaps " + cidr(earlier) + ", listed before it");
                }
            }
            out.add(s);
        }
        return out;
    }

    /**
     * Refuses routed networks that overlap one of the router's own: a LAN, or the VPN server's
     * tunnel network (its addresses and pool), whose hosts would become unreachable in part.
     *
     * @param tunnelNetwork the VPN server's tunnel network (router address and pool), or null
     */
    public static void checkAgainstLocal(List<Subnet> routed, List<Subnet> lans, Subnet tunnelNetwork) {
        for (Subnet r : routed) {
            for (Subnet lan : lans) {
                if (overlap(r, lan)) {
                    throw new IllegalArgumentException(cidr(r) + " overlaps this router's LAN " + lan
                            + ": its hosts would be routed into the tunnel instead of reached here");
                }
            }
            if (tunnelNetwork != null && overlap(r, tunnelNetwork)) {
                throw new IllegalArgumentException(cidr(r) + " overlaps the VPN tunnel network " + cidr(tunnelNetwork)
                        + " (the router's tunnel address and the client pool)");
            }
        }
    }

    /**
     * Refuses routed networks that are, or lie within, one of the router's WAN networks (the
     * provider's segment its internet comes through): the provider's gateway and hosts there would
     * be routed into the tunnel, whose route is the more specific. A routed network that contains a
     * WAN network is no fault: the WAN's own route is the more specific there and keeps it (an office
     * routed as 10.0.0.0/8 while the provider's carrier-grade NAT gives the WAN 10.44.0.5/22), only
     * the office's hosts with those addresses are not reached through the tunnel ({@link #containingWan}).
     */
    public static void checkAgainstWan(List<Subnet> routed, List<Subnet> wans) {
        for (Subnet r : routed) {
            for (Subnet wan : wans) {
                if (overlap(r, wan) && r.prefixLength() >= wan.prefixLength()) {
                    throw new IllegalArgumentException(cidr(r) + " lies within the network of this router's WAN (its"
                            + " internet side), " + wan + ": the provider's gateway and hosts there would be routed"
                            + " into the tunnel");
                }
            }
        }
    }

    /**
     * The routed networks that contain one of the WAN's ({@link #checkAgainstWan} lets them), each
     * said as "10.0.0.0/8 contains this router's WAN network 10.44.0.0/22 on eth0".
     */
    public static List<String> containingWan(List<Subnet> routed, List<Subnet> wans) {
        List<String> out = new ArrayList<>();
        for (Subnet r : routed) {
            for (Subnet wan : wans) {
                if (overlap(r, wan) && r.prefixLength() < wan.prefixLength()) {
                    out.add(cidr(r) + " contains this router's WAN network " + wan);
                }
            }
        }
        return out;
    }

    /** Refuses routed networks that contain the PPTP server the tunnel is dialed to: GRE would be routed into itself. */
    public static void checkServerOutside(List<Subnet> routed, int server) {
        for (Subnet r : routed) {
            if (r.contains(server)) {
                throw new IllegalArgumentException("the server " + Ipv4.format(server) + " lies inside " + cidr(r)
                        + ": the tunnel's own packets would be routed into the tunnel (a loop); reach the server "
                        + "by an address outside the routed networks");
            }
        }
    }

    /**
     * Refuses {@code mine} if one of them overlaps one of {@code theirs}, another tunnel's: two
     * tunnels cannot both own a network (its packets would go to whichever came up last).
     *
     * @throws IllegalArgumentException "MINE overlaps THEIRS" followed by {@code whose}
     */
    public static void checkApart(List<Subnet> mine, List<Subnet> theirs, String whose) {
        for (Subnet t : theirs) {
            for (Subnet m : mine) {
                if (overlap(m, t)) {
                    throw new IllegalArgumentException(cidr(m) + " overlaps " + cidr(t) + whose);
                }
            }
        }
    }

    /** Whether two networks share any address (one contains the other's network address). */
    public static boolean overlap(Subnet a, Subnet b) {
        return a.contains(b.network() & b.mask()) || b.contains(a.network() & a.mask());
    }

    /**
     * A 192.168.x.0/24 none of {@code networks} is on, to name in advice ("choose one it does not
     * use, such as ..."): the LAN page's and the VPN server page's, so that a suggestion is one the
     * router would take.
     */
    public static String unused(List<Subnet> networks) {
        for (int x = 2; x < 255; x++) {
            Subnet candidate = new Subnet("", Ipv4.parse("192.168." + x + ".0"), 24);
            if (networks.stream().noneMatch(n -> overlap(n, candidate))) {
                return "192.168." + x + ".0/24";
            }
        }
        return "another private network";
    }

    /** "10.2.0.0/24" without the interface. */
    public static String cidr(Subnet s) {
        return Ipv4.format(s.network() & s.mask()) + "/" + s.prefixLength();
    }

    /**
     * Every network the router routes into a tunnel, as stored: each branch office's (a VPN user's)
     * and the site-to-site dial-out's remote networks, each labelled by whose it is ("VPN user
     * branch", "the site-to-site tunnel") in {@link Subnet#interfaceName()}. What the LAN and the
     * tunnel network must keep clear of, and so what a suggested free network must avoid. A stored
     * value that does not parse (by hand, an old firmware) is left out rather than failing the page.
     *
     * @param byUser  each branch-office account's stored networks ("10.2.0.0/24,10.3.0.0/16")
     * @param dialOut the dial-out's stored remote networks, or null
     */
    public static List<Subnet> routed(java.util.Map<String, String> byUser, String dialOut) {
        List<Subnet> out = new ArrayList<>();
        byUser.forEach((user, csv) -> out.addAll(lenient(csv, "VPN user " + user)));
        out.addAll(lenient(dialOut, "the site-to-site tunnel"));
        return out;
    }

    private static List<Subnet> lenient(String csv, String label) {
        try {
            return parse(csv, label);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    /** Back to the stored form, "10.2.0.0/24,10.3.0.0/16". */
    public static String format(List<Subnet> subnets) {
        return String.join(",", subnets.stream().map(RoutedSubnets::cidr).toList());
    }
}
