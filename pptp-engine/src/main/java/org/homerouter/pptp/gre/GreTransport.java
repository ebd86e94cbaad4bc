package org.homerouter.pptp.gre;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Sends and receives GRE packets (IP protocol 47) for every call on one local address. The Linux
 * raw socket and {@link InMemoryGreNetwork} implement it; the engine never knows which.
 *
 * <p>Packets are GRE header plus payload, without the IP header.
 */
public interface GreTransport {

    /**
     * Sends the packet between {@code packet}'s position and limit to {@code destination}. The
     * transport is done with the buffer when this returns, so the caller may reuse it.
     */
    void send(InetAddress destination, ByteBuffer packet) throws IOException;

    /** Installs the single receiver of all packets arriving on this transport, replacing any earlier one. */
    void setReceiver(GrePacketReceiver receiver);

    /** Stops receiving and releases the transport; later sends fail. */
    void close();
}
