package org.homerouter.pptp.tunnel;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.ByteBuffer;

/**
 * A point-to-point IP interface that the operating system routes through, one per PPP session
 * (what pppd calls ppp0, ppp1, ...). The engine writes the IP packets that arrive through the
 * tunnel and is handed the packets the OS routes into it. On Linux it is a TUN device
 * (netfilter-bridge); in tests, {@link InMemoryTunnelDevice}.
 */
public interface TunnelDevice extends AutoCloseable {
    /** The interface name, e.g. "pptp3", for logs and the UI. */
    String name();

    /** Hands one IP packet (IPv4 or IPv6, no link header) from the tunnel to the OS. */
    void write(ByteBuffer ipPacket) throws IOException;

    /**
     * Starts delivering the packets the OS routes into this device to {@code sink}, on a thread of
     * the device's choosing. Called once.
     */
    void start(IpPacketSink sink);

    /**
     * Changes the interface's MTU while it runs: the session lowers it when it finds large packets
     * lost on the way to the client, so that the OS sends ICMP "fragmentation needed" to LAN hosts
     * and clamps TCP MSS to what actually crosses.
     *
     * @return false if this kind of device cannot (the MTU stays as it was)
     */
    default boolean setMtu(int mtu) {
        return false;
    }

    /**
     * Routes a whole network into this device (a branch office's LAN behind the peer). The route
     * belongs to the device: closing the device removes it, so a session that ends takes its
     * routes with it and nothing is left pointing into a dead tunnel. Callers may race
     * {@link #close}: a closed device refuses, and one being closed must not route into whatever
     * interface takes its name next.
     *
     * @throws IOException if the OS refused the route, or the device is closed
     * @throws UnsupportedOperationException if this kind of device cannot carry routes
     */
    default void addRoute(Inet4Address network, int prefixLength) throws IOException {
        throw new UnsupportedOperationException(name() + " cannot carry routes");
    }

    /** Removes the device and everything it brought (addresses, routes). Idempotent. */
    @Override
    void close();
}
