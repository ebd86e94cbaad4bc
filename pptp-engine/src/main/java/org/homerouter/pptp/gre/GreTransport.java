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

    /**
     * Like {@link #send(InetAddress, ByteBuffer)}, from {@code source}, one of this host's addresses:
     * the one the peer's control connection reached, which is where PPTP clients accept GRE from.
     * Null, or a transport that cannot choose (the default), leaves the source to the transport.
     */
    default void send(InetAddress source, InetAddress destination, ByteBuffer packet) throws IOException {
        send(destination, packet);
    }

    /** {@link #sendBatched(InetAddress, ByteBuffer)} from {@code source}, as {@link #send(InetAddress, InetAddress, ByteBuffer)} says. */
    default void sendBatched(InetAddress source, InetAddress destination, ByteBuffer packet) throws IOException {
        sendBatched(destination, packet);
    }

    /**
     * Like {@link #send}, but the transport may hold a copy of the packet until the calling thread
     * calls {@link #flush} (or until it holds as many as it sends at once), so that a burst goes
     * out in one system call. Held packets are the calling thread's: another thread's flush does
     * not send them. The transport is done with the buffer when this returns. The default sends at
     * once.
     *
     * @throws IOException only for a packet sent at once (a held packet that fails is counted by {@link #flush})
     */
    default void sendBatched(InetAddress destination, ByteBuffer packet) throws IOException {
        send(destination, packet);
    }

    /**
     * Sends every packet the calling thread's {@link #sendBatched} calls still hold, in order.
     * Packets that fail are dropped (as if lost on the wire) and counted.
     *
     * @return how many held packets could not be sent (0 when none were held)
     */
    default int flush() {
        return 0;
    }

    /** Installs the single receiver of all packets arriving on this transport, replacing any earlier one. */
    void setReceiver(GrePacketReceiver receiver);

    /** Stops receiving and releases the transport; later sends fail. */
    void close();
}
