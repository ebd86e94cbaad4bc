package org.homerouter.pptp.tunnel;

import java.nio.ByteBuffer;

/** Receives IP packets from a {@link TunnelDevice}; the buffer is valid only during the call. */
@FunctionalInterface
public interface IpPacketSink {
    void onIpPacket(ByteBuffer packet);

    /**
     * The device broke under the session (on Linux: someone deleted the interface) and delivers
     * nothing more. Called at most once, on the device's thread.
     */
    default void deviceFailed(String reason) {
    }
}
