package org.homerouter.webui.api;

import java.util.Optional;

/**
 * Which addresses the VPN server's settings may hold: the router's tunnel address (whose network
 * is the clients' pool, routed into the VPN) and the DNS and WINS servers it offers clients (RFC
 * 1877). One rule for the VPN server page, for an import (the System page's and the command
 * line's, through {@code VpnSettingsCheck}) and for the service's start, which names stored values
 * that break it.
 *
 * <p>A tunnel network is private space (RFC 1918, or RFC 6598's shared 100.64/10): a public one
 * is refused, not only warned about, as the LAN page refuses a public LAN. The router routes the
 * whole network into the VPN, so a typo such as 192.186.250.1 sends its users' traffic for the
 * real hosts of 192.186.250.0/24 into the tunnel, where nothing answers; a router of this kind
 * owns no public network to hand out, and a site that does can still number its VPN privately.
 */
public final class VpnAddresses {
    /** The ranges a tunnel network may use, as the messages name them. */
    public static final String PRIVATE_RANGES = "10.x.x.x, 172.16–31.x.x, 192.168.x.x or 100.64–127.x.x";

    private VpnAddresses() {
    }

    /**
     * What {@code a} is when no host can use it as its own or another's unicast address, in words
     * ("a loopback address (127.x.x.x), ..."), or empty for an ordinary address: this-network
     * (0/8), loopback (127/8), link-local (169.254/16, which routers do not forward, RFC 3927 §7),
     * multicast (224/4), the limited broadcast and the reserved 240/4.
     */
    public static Optional<String> special(int a) {
        int first = a >>> 24;
        if (a == 0) {
            return Optional.of("no address at all (0.0.0.0)");
        }
        if (first == 0) {
            return Optional.of("a this-network address (0.x.x.x), which no host has");
        }
        if (first == 127) {
            return Optional.of("a loopback address (127.x.x.x), each computer's own");
        }
        if (a >>> 16 == (169 << 8 | 254)) {
            return Optional.of("a link-local address (169.254.x.x), which no router forwards");
        }
        if (first >= 224 && first <= 239) {
            return Optional.of("a multicast address (224–239.x.x.x)");
        }
        if (a == -1) {
            return Optional.of("the broadcast address");
        }
        if (first >= 240) {
            return Optional.of("a reserved address (240–255.x.x.x)");
        }
        return Optional.empty();
    }

    /** In RFC 1918's private space or RFC 6598's shared 100.64/10: no one's on the internet. */
    public static boolean privateOrShared(int a) {
        return Ipv4.rfc1918(a) || (a & 0xFFC0_0000) == 0x6440_0000;
    }

    /**
     * What is wrong with {@code address} (a valid IPv4 address) as the router's tunnel address,
     * whose network of {@code prefix} bits is the tunnel network, in words for the owner, or empty.
     */
    public static Optional<String> tunnelProblem(String address, int prefix) {
        int a = Ipv4.parse(address);
        String enter = "enter a private address such as 192.168.250.1 (" + PRIVATE_RANGES + ")";
        Optional<String> special = special(a);
        if (special.isPresent()) {
            return Optional.of(address + " is " + special.get() + ": " + enter);
        }
        int mask = -1 << 32 - prefix;
        String net = Ipv4.format(a & mask) + "/" + prefix;
        if (!privateOrShared(a)) {
            return Optional.of(address + " is a public internet address: the router would send what its users send to"
                    + " the real hosts of " + net + " into the VPN. For a tunnel network, " + enter);
        }
        if ((a & ~mask) == 0 || (a & ~mask) == ~mask) {
            return Optional.of(address + " is the network or broadcast address of " + net + ": enter one of "
                    + Ipv4.format((a & mask) + 1) + " to " + Ipv4.format((a | ~mask) - 1));
        }
        return Optional.empty();
    }

    /**
     * What is wrong with {@code address} (a valid IPv4 address) as a server offered to VPN
     * clients, {@code what} "DNS" or "WINS", in words for the owner, or empty. A public address is
     * fine (a DNS resolver on the internet).
     */
    public static Optional<String> offeredServerProblem(String address, String what) {
        return special(Ipv4.parse(address)).map(kind -> address + " is " + kind + ": no VPN client can reach a " + what
                + " server there. Enter the address of a " + what + " server the clients reach, such as one on the LAN,"
                + " or leave it empty");
    }
}
