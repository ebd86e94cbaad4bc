package org.homerouter.pptp.gre;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Receives raw GRE packets from a {@link GreTransport}. */
@FunctionalInterface
public interface GrePacketReceiver {

    /**
     * One packet: GRE header plus payload between {@code packet}'s position and limit, no IP
     * header. The buffer belongs to the transport and is valid only during this call; the receiver
     * may move its position and limit.
     */
    void onPacket(InetAddress source, ByteBuffer packet);
}
