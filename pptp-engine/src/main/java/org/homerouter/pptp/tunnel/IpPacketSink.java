package org.homerouter.pptp.tunnel;

import java.nio.ByteBuffer;

/** Receives IP packets from a {@link TunnelDevice}; the buffer is valid only during the call. */
@FunctionalInterface
public interface IpPacketSink {
    void onIpPacket(ByteBuffer packet);
}
