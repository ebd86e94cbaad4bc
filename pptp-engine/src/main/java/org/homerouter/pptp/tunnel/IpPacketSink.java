package org.homerouter.pptp.tunnel;

import java.nio.ByteBuffer;

/** Receives IP packets from a {@link TunnelDevice}; the buffer is valid only during the call. */
@FunctionalInterface
public interface IpPacketSink {
    void onIpPacket(ByteBuffer packet);

    /**
     * The device has delivered what it had for now (a burst of one or more {@link #onIpPacket}
     * calls): a sink that held work back for the burst (e.g. GRE packets for one system call)
     * finishes it here. A device calls it on the same thread after every burst, at the latest
     * before it waits for more packets.
     */
    default void endOfBurst() {
    }

    /**
     * The device broke under the session (on Linux: someone deleted the interface) and delivers
     * nothing more. Called at most once, on the device's thread.
     */
    default void deviceFailed(String reason) {
    }
}
