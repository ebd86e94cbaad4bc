package org.homerouter.webui.api;

/** An IPv4 network on one of the router's interfaces, e.g. 192.168.1.0/24 on eth0. */
public record Subnet(String interfaceName, int network, int prefixLength) {
    public int mask() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public boolean contains(int address) {
        return (address & mask()) == (network & mask());
    }

    @Override
    public String toString() {
        return Ipv4.format(network & mask()) + "/" + prefixLength + " on " + interfaceName;
    }
}
