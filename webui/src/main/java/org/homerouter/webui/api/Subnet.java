package org.homerouter.webui.api;

/**
 * An IPv4 network on one of the router's interfaces, e.g. 192.168.1.0/24 on eth0.
 *
 * @param side which side of the router it is on, as far as the router knows: the pages name a
 *             network by it ({@link #described()}), as "eth0" alone tells an owner nothing, and
 *             every network was once called "the LAN", the WAN's too
 */
public record Subnet(String interfaceName, int network, int prefixLength, Side side) {
    /** The LAN (its hosts are here), the WAN (the provider's box's network), or not known (off the router image). */
    public enum Side { LAN, WAN, UNKNOWN }

    public Subnet {
        side = side == null ? Side.UNKNOWN : side;
    }

    /** A network whose side is not known. */
    public Subnet(String interfaceName, int network, int prefixLength) {
        this(interfaceName, network, prefixLength, Side.UNKNOWN);
    }

    public Subnet withSide(Side s) {
        return new Subnet(interfaceName, network, prefixLength, s);
    }

    public int mask() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public boolean contains(int address) {
        return (address & mask()) == (network & mask());
    }

    /**
     * The network in the owner's words, by its side: "this router's LAN (192.168.1.0/24)", "the
     * network on this router's internet (WAN) side (192.168.0.0/24)", or,
     * where the side is not known, "a network of this router's (192.168.0.0/24 on eth0)".
     */
    public String described() {
        String net = Ipv4.format(network & mask()) + "/" + prefixLength;
        return switch (side) {
            case LAN -> "this router's LAN (" + net + ")";
            case WAN -> "the network on this router's internet (WAN) side (" + net + ")";
            case UNKNOWN -> "a network of this router's (" + net + " on " + interfaceName + ")";
        };
    }

    @Override
    public String toString() {
        return Ipv4.format(network & mask()) + "/" + prefixLength + " on " + interfaceName;
    }
}
