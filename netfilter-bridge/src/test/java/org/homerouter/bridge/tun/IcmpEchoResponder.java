package org.homerouter.bridge.tun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

import org.homerouter.pptp.tunnel.IpPacketSink;
import org.homerouter.pptp.tunnel.TunnelDevice;

/**
 * Plays the host at the far end of a TUN device: answers every ICMP echo request (RFC 792) the OS
 * routes into the device with an echo reply written back into it, and ignores everything else
 * (IPv6 router solicitations and the like).
 */
final class IcmpEchoResponder implements IpPacketSink {
    private final TunnelDevice device;
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger ignored = new AtomicInteger();

    IcmpEchoResponder(TunnelDevice device) {
        this.device = device;
    }

    int answered() {
        return answered.get();
    }

    int ignored() {
        return ignored.get();
    }

    @Override
    public void onIpPacket(ByteBuffer packet) {
        ByteBuffer reply = echoReplyTo(packet);
        if (reply == null) {
            ignored.incrementAndGet();
            return;
        }
        // Counted before it leaves: once written, ping may see it, exit and the test read the count
        // before this thread got here (TunDeviceTest read 2 of 3 answered so, in a CI run).
        answered.incrementAndGet();
        try {
            device.write(reply);
        } catch (IOException e) {
            answered.decrementAndGet();
            throw new UncheckedIOException(e);
        }
    }

    /** The echo reply to an IPv4 ICMP echo request, or null for any other packet. */
    static ByteBuffer echoReplyTo(ByteBuffer packet) {
        int start = packet.position();
        int length = packet.remaining();
        if (length < 28 || (packet.get(start) & 0xF0) != 0x40 || packet.get(start + 9) != 1) {
            return null;
        }
        int headerLength = (packet.get(start) & 0x0F) * 4;
        if (length < headerLength + 8 || packet.get(start + headerLength) != 8) {
            return null;
        }
        byte[] bytes = new byte[length];
        packet.get(start, bytes);
        ByteBuffer reply = ByteBuffer.wrap(bytes);
        // Swap source and destination, fresh TTL, then the header checksum over the new header.
        int source = reply.getInt(12);
        reply.putInt(12, reply.getInt(16));
        reply.putInt(16, source);
        reply.put(8, (byte) 64);
        reply.putShort(10, (short) 0);
        reply.putShort(10, (short) checksum(bytes, 0, headerLength));
        // ICMP type 0 (echo reply), same identifier, sequence and data; checksum over the ICMP message.
        reply.put(headerLength, (byte) 0);
        reply.putShort(headerLength + 2, (short) 0);
        reply.putShort(headerLength + 2, (short) checksum(bytes, headerLength, length - headerLength));
        return reply;
    }

    /** The Internet checksum (RFC 1071): one's complement of the one's-complement sum of 16-bit words. */
    static int checksum(byte[] data, int offset, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += (data[offset + i] & 0xFF) << 8 | data[offset + i + 1] & 0xFF;
        }
        if (i < length) {
            sum += (data[offset + i] & 0xFF) << 8;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) ~sum & 0xFFFF;
    }
}
