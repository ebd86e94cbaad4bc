package org.homerouter.bridge.alg;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import org.homerouter.pptp.tunnel.InternetChecksum;

/**
 * The fields of an IPv4 TCP packet the ALG needs, read from a whole datagram (as NFQUEUE copies
 * it), and the TCP checksum recomputed after the payload changed (RFC 9293 §3.1: one's
 * complement sum over the pseudo-header, TCP header and payload). The IP header checksum does
 * not change for a rewrite, which keeps every length and address; it does for the copies without
 * payload ({@link #asReset}, {@link #withoutPayload}), whose total length is shorter.
 */
final class Ipv4TcpPacket {
    final byte[] packet;
    final int ipHeaderLength;
    final int tcpOffset;
    final int payloadOffset;
    final int payloadLength;

    private Ipv4TcpPacket(byte[] packet, int ipHeaderLength, int payloadOffset, int payloadLength) {
        this.packet = packet;
        this.ipHeaderLength = ipHeaderLength;
        this.tcpOffset = ipHeaderLength;
        this.payloadOffset = payloadOffset;
        this.payloadLength = payloadLength;
    }

    /** Null if the datagram is not an unfragmented IPv4 TCP segment with whole headers. */
    static Ipv4TcpPacket parse(byte[] p) {
        if (p.length < 20 || (p[0] & 0xF0) != 0x40 || (p[9] & 0xFF) != 6) {
            return null;
        }
        int ihl = (p[0] & 0x0F) * 4;
        int total = u16(p, 2);
        // Fragments (MF set or an offset) cannot be parsed alone; the kernel's conntrack
        // reassembles before the forward hook, so this does not happen in practice.
        if (ihl < 20 || total > p.length || total < ihl + 20 || (u16(p, 6) & 0x3FFF) != 0) {
            return null;
        }
        int dataOffset = ((p[ihl + 12] & 0xF0) >>> 4) * 4;
        if (dataOffset < 20 || ihl + dataOffset > total) {
            return null;
        }
        return new Ipv4TcpPacket(p, ihl, ihl + dataOffset, total - ihl - dataOffset);
    }

    Inet4Address source() {
        return address(12);
    }

    Inet4Address destination() {
        return address(16);
    }

    int sourcePort() {
        return u16(packet, tcpOffset);
    }

    int destinationPort() {
        return u16(packet, tcpOffset + 2);
    }

    int sequence() {
        return (u16(packet, tcpOffset + 4) << 16) | u16(packet, tcpOffset + 6);
    }

    int acknowledgment() {
        return (u16(packet, tcpOffset + 8) << 16) | u16(packet, tcpOffset + 10);
    }

    boolean ack() {
        return (flags() & 0x10) != 0;
    }

    private int flags() {
        return packet[tcpOffset + 13] & 0xFF;
    }

    boolean fin() {
        return (flags() & 0x01) != 0;
    }

    boolean syn() {
        return (flags() & 0x02) != 0;
    }

    boolean rst() {
        return (flags() & 0x04) != 0;
    }

    private static final int FIN = 0x01;
    private static final int RST = 0x04;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final int URG = 0x20;

    /**
     * A copy of the datagram as a RST toward the same receiver, its payload stripped: the same
     * addresses, ports, sequence number and options (a timestamp in them is the sender's latest,
     * which PAWS lets through, RFC 7323 §5), the RST flag and the ACK flag and number if it had one
     * (RFC 9293 §3.10.7: a RST is judged by its sequence number alone), urgent pointer 0, the IP
     * total length and both checksums made right.
     */
    byte[] asReset() {
        return stripped(RST | flags() & ACK);
    }

    /**
     * A copy of the datagram without its payload: a bare ACK at the same sequence number. PSH,
     * URG and FIN go with the data they were for (a FIN's sequence number comes after the data).
     */
    byte[] withoutPayload() {
        return stripped(flags() & ~(FIN | PSH | URG));
    }

    private byte[] stripped(int flags) {
        byte[] p = java.util.Arrays.copyOf(packet, payloadOffset);
        p[2] = (byte) (payloadOffset >>> 8);
        p[3] = (byte) payloadOffset;
        p[tcpOffset + 13] = (byte) flags;
        p[tcpOffset + 18] = 0;
        p[tcpOffset + 19] = 0;
        fixIpChecksum(p, ipHeaderLength);
        new Ipv4TcpPacket(p, ipHeaderLength, payloadOffset, 0).fixTcpChecksum();
        return p;
    }

    /** RFC 791 §3.1: the one's complement of the one's complement sum of the header's 16-bit words. */
    private static void fixIpChecksum(byte[] p, int headerLength) {
        p[10] = 0;
        p[11] = 0;
        ByteBuffer b = ByteBuffer.wrap(p);
        b.putShort(10, InternetChecksum.finish(InternetChecksum.add(0, b, 0, headerLength)));
    }

    /** Recomputes the TCP checksum over the (rewritten) segment. */
    void fixTcpChecksum() {
        int tcpLength = u16(packet, 2) - ipHeaderLength;
        packet[tcpOffset + 16] = 0;
        packet[tcpOffset + 17] = 0;
        ByteBuffer b = ByteBuffer.wrap(packet);
        long sum = InternetChecksum.pseudoHeader(b, 0, 6, tcpLength); // 6: TCP
        b.putShort(tcpOffset + 16, InternetChecksum.finish(InternetChecksum.add(sum, b, tcpOffset, tcpLength)));
    }

    int tcpChecksum() {
        return u16(packet, tcpOffset + 16);
    }

    private Inet4Address address(int at) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {packet[at], packet[at + 1], packet[at + 2], packet[at + 3]});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }
}
