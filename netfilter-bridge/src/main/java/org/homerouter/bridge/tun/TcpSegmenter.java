package org.homerouter.bridge.tun;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

import org.homerouter.pptp.tunnel.InternetChecksum;

/**
 * What a NIC does for TCP segmentation offload, done in software for packets a TUN device with
 * TSO hands over: an IPv4 TCP packet of up to 64 KiB becomes segments of {@code gsoSize} payload
 * octets, each a complete IP packet with its own total length, IP ID, sequence number and both
 * checksums. The kernel's TCP stack then builds one large packet where it would have built dozens,
 * and the TUN read that fetches it is one system call for all of them. Also completes the
 * checksum of a single packet the kernel left partial (NEEDS_CSUM).
 */
final class TcpSegmenter {
    static final int IPPROTO_TCP = 6;
    // TCP flags (RFC 793 §3.1, RFC 3168 §6.1 for CWR)
    static final int FIN = 0x01;
    static final int PSH = 0x08;
    static final int CWR = 0x80;

    private final ByteBuffer out;

    /** @param out where each segment is assembled (at least 64 KiB is never needed: one MTU suffices) */
    TcpSegmenter(ByteBuffer out) {
        this.out = out;
    }

    /**
     * Hands the packet in {@code packet[start, end)} to {@code sink} as the packet(s) it stands for:
     * segmented if the header asks for TCPv4 GSO, with its checksum completed if it asks for that,
     * else as it is.
     *
     * @return false if the packet asks for an offload this cannot do (it is then not delivered)
     */
    boolean deliver(VirtioNetHeader header, ByteBuffer packet, int start, int end, Consumer<ByteBuffer> sink) {
        int type = header.gsoType() & ~VirtioNetHeader.GSO_ECN;
        if (type == VirtioNetHeader.GSO_NONE) {
            if (header.needsChecksum() && !completeChecksum(header, packet, start, end)) {
                return false;
            }
            packet.limit(end).position(start);
            sink.accept(packet);
            return true;
        }
        if (type != VirtioNetHeader.GSO_TCPV4 || header.gsoSize() == 0) {
            return false;
        }
        return segment(header.gsoSize(), packet, start, end, sink);
    }

    /** The generic partial checksum: ones' complement sum from csum_start to the end, stored at start + offset. */
    private static boolean completeChecksum(VirtioNetHeader header, ByteBuffer packet, int start, int end) {
        int from = start + header.checksumStart();
        int field = from + header.checksumOffset();
        if (field + 2 > end) {
            return false;
        }
        // The field holds the pseudo-header sum; it is part of what is summed (as skb_checksum_help does).
        short checksum = InternetChecksum.finish(InternetChecksum.add(0, packet, from, end - from));
        // A sum of 0 is written as 0xFFFF, its other ones' complement form, as skb_checksum_help
        // does (CSUM_MANGLED_0): in UDP, 0 says "no checksum" (RFC 768), and the client would
        // take the datagram unchecked.
        packet.putShort(field, checksum == 0 ? (short) 0xFFFF : checksum);
        return true;
    }

    private boolean segment(int gsoSize, ByteBuffer packet, int start, int end, Consumer<ByteBuffer> sink) {
        if (end - start < 40 || (packet.get(start) & 0xF0) != 0x40 || (packet.get(start + 9) & 0xFF) != IPPROTO_TCP) {
            return false;
        }
        int ipLength = (packet.get(start) & 0x0F) * 4;
        int tcpStart = start + ipLength;
        if (ipLength < 20 || tcpStart + 20 > end) {
            return false;
        }
        int tcpLength = ((packet.get(tcpStart + 12) & 0xF0) >>> 4) * 4;
        int headers = ipLength + tcpLength;
        int payloadStart = start + headers;
        if (tcpLength < 20 || payloadStart > end || headers + gsoSize > out.capacity()) {
            return false;
        }
        int payload = end - payloadStart;
        int id = packet.getShort(start + 4) & 0xFFFF;
        int sequence = packet.getInt(tcpStart + 4);
        int flags = packet.get(tcpStart + 13) & 0xFF;
        for (int offset = 0, index = 0; offset < payload || index == 0; offset += gsoSize, index++) {
            int chunk = Math.min(gsoSize, payload - offset);
            boolean last = offset + chunk >= payload;
            out.clear();
            out.put(0, packet, start, headers);
            out.put(headers, packet, payloadStart + offset, chunk);
            int length = headers + chunk;
            // IP: its own length and ID (as a NIC numbers TSO segments), checksum over the new header
            out.putShort(2, (short) length);
            out.putShort(4, (short) (id + index));
            out.putShort(10, (short) 0);
            out.putShort(10, InternetChecksum.finish(InternetChecksum.add(0, out, 0, ipLength)));
            // TCP: sequence advanced by the payload before it; FIN and PSH only on the last segment,
            // CWR only on the first (as tcp_gso_segment does)
            out.putInt(ipLength + 4, sequence + offset);
            int segmentFlags = flags;
            if (!last) {
                segmentFlags &= ~(FIN | PSH);
            }
            if (index > 0) {
                segmentFlags &= ~CWR;
            }
            out.put(ipLength + 13, (byte) segmentFlags);
            out.putShort(ipLength + 16, (short) 0);
            long sum = InternetChecksum.pseudoHeader(out, 0, IPPROTO_TCP, length - ipLength);
            out.putShort(ipLength + 16, InternetChecksum.finish(InternetChecksum.add(sum, out, ipLength, length - ipLength)));
            out.limit(length).position(0);
            sink.accept(out);
            if (last) {
                break;
            }
        }
        return true;
    }
}
