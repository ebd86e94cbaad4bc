package org.homerouter.bridge.alg;

import org.homerouter.bridge.netns.NetworkNamespace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;

/**
 * The router's source address towards a server: the source the kernel's routing table gives a
 * socket connected to it (what {@code ip -o route get SERVER} shows as {@code src}). The ALG's GRE
 * SNAT must leave from the control connection's address, which {@link ConntrackNatAddress} reads
 * from the kernel's NAT; this is its fallback where it cannot (no ctnetlink). It is masquerade's
 * choice on a WAN with one address, not where masquerade takes the primary of several or an
 * {@code snat to} rule names another.
 *
 * <p>Asked of a UDP socket: connecting one sends nothing, it only looks the route up and binds
 * the source address. That takes microseconds on the ALG's one NFQUEUE thread, where running
 * {@code ip route get} for every new control connection cost a process each (milliseconds, more
 * on a small ARM board), so that a LAN host opening connections to port 1723 quickly held up
 * every other client's passthrough traffic behind those processes.
 */
public final class RouteSourceAddress {
    // Any port: connect(2) on UDP only needs one for the address.
    private static final int PPTP_PORT = 1723;
    private final String netns;

    /** @param netns ask the routing table of this namespace, or null for our own */
    public RouteSourceAddress(String netns) {
        this.netns = netns;
    }

    /** @throws UncheckedIOException when there is no route to {@code server} */
    public Inet4Address publicAddressFor(Inet4Address server) {
        try (DatagramChannel probe = open()) {
            probe.connect(new InetSocketAddress(server, PPTP_PORT));
            if (probe.getLocalAddress() instanceof InetSocketAddress local
                    && local.getAddress() instanceof Inet4Address source && !source.isAnyLocalAddress()) {
                return source;
            }
            throw new IOException("no source address chosen");
        } catch (IOException e) {
            throw new UncheckedIOException("alg: no route to " + server.getHostAddress() + ": " + e.getMessage(), e);
        }
    }

    /** An IPv4 UDP socket in the namespace (a socket belongs to the namespace it was made in). */
    private DatagramChannel open() throws IOException {
        if (netns == null) {
            return DatagramChannel.open(StandardProtocolFamily.INET);
        }
        try (NetworkNamespace.Scope in = NetworkNamespace.enter(netns)) {
            return DatagramChannel.open(StandardProtocolFamily.INET);
        }
    }
}
