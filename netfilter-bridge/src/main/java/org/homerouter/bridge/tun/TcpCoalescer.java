package org.homerouter.bridge.tun;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import org.homerouter.pptp.tunnel.InternetChecksum;

/**
 * What a NIC's receive offload (GRO) does, for the packets a burst writes into TUN devices:
 * consecutive in-order TCP segments of one connection are joined into one packet of up to 64 KiB
 * that the TUN device takes, with a virtio-net header saying how it was cut (GSO TCPv4, the
 * segment size), in one write(2); the kernel's TCP stack then handles it once, as it handles what
 * GRO joined on a real NIC. Anything else (other protocols, SYN/FIN/RST/URG, IP options or
 * fragments, a sequence gap, different options) is written as it came, in order.
 *
 * <p>MPPE has no integrity check, so a segment joins only if its TCP checksum verifies: the joined
 * packet is handed over as checksum-partial (the kernel does not check it again), and a corrupted
 * segment must instead reach the kernel as it is, to be dropped there.
 *
 * <p>Holds one run at a time, for one device; one per thread (not thread-safe).
 *
 * @param <D> the device type (only compared and handed back to the sink)
 */
final class TcpCoalescer<D> {
    /** A bound on the segments of one joined packet; 64 KiB comes first at any usual MSS (48 of 1360 octets). */
    static final int MAX_SEGMENTS = 64;
    static final int MAX_IP_LENGTH = 65535;
    /** What the area must hold: a virtio-net header and the largest IP packet. */
    static final int AREA_SIZE = VirtioNetHeader.LENGTH + MAX_IP_LENGTH;
    // TCP flags that end coalescing outright (RFC 793 §3.1; CWR, RFC 3168)
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;
    private static final int URG = 0x20;
    private static final int UNJOINABLE = TcpSegmenter.FIN | SYN | RST | URG | TcpSegmenter.CWR;

    /** Writes the first {@code length} octets of {@code data} (a virtio-net header, then the packet) to the device. */
    interface Sink<D> {
        void write(D device, MemorySegment data, int length) throws IOException;
    }

    private final MemorySegment area;
    private final ByteBuffer buffer;
    private final Sink<D> sink;
    private D device; // of the held run; null when nothing is held
    private int length; // of the held IP packet, after the header
    private int segments;
    private int gsoSize;
    private int tcpLength;
    private int nextSequence;
    private boolean ended; // a short or PSH segment ended the run: nothing may follow it
    private long joined; // segments that went out inside a joined packet, for tests and counters

    /** @param area room for the header and a 64 KiB packet; native, so that writing it needs no copy */
    TcpCoalescer(MemorySegment area, Sink<D> sink) {
        if (area.byteSize() < AREA_SIZE) {
            throw new IllegalArgumentException("coalescing area too small: " + area.byteSize());
        }
        this.area = area;
        this.buffer = area.asByteBuffer();
        this.sink = sink;
    }

    /**
     * Holds the packet between position and limit for {@code device}, joined to the held run if it
     * continues it, else after writing the run out. Returns false, having written out any held run
     * first, if the packet cannot be joined to anything: the caller then writes it itself. The
     * packet's position is not moved.
     */
    boolean add(D device, ByteBuffer packet) throws IOException {
        int s = packet.position();
        int payload = joinablePayload(packet, s, packet.limit());
        if (payload <= 0) {
            flush();
            return false;
        }
        if (device == this.device && continues(packet, s, payload)) {
            append(packet, s, payload);
            return true;
        }
        flush();
        start(device, packet, s, payload);
        return true;
    }

    /** Writes out the held run, if any. */
    void flush() throws IOException {
        D target = device;
        if (target == null) {
            return;
        }
        device = null;
        int at = VirtioNetHeader.LENGTH;
        if (segments == 1) {
            VirtioNetHeader.NONE.write(buffer, 0);
        } else {
            buffer.putShort(at + 2, (short) length);
            buffer.putShort(at + 10, (short) 0);
            buffer.putShort(at + 10, InternetChecksum.finish(InternetChecksum.add(0, buffer, at, 20)));
            // Checksum-partial, as the kernel itself hands such a packet on: the pseudo-header sum
            // over the whole TCP length, not complemented, to be completed per segment if it is cut.
            buffer.putShort(at + 20 + 16,
                    (short) InternetChecksum.fold(InternetChecksum.pseudoHeader(buffer, at, TcpSegmenter.IPPROTO_TCP, length - 20)));
            new VirtioNetHeader(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 20 + tcpLength, gsoSize, 20, 16)
                    .write(buffer, 0);
            joined += segments;
        }
        sink.write(target, area, at + length);
    }

    long joined() {
        return joined;
    }

    /**
     * The TCP payload length if the IPv4 packet in {@code p[s, e)} could be part of a joined
     * packet, else 0 (or less): no IP options or fragments, TCP with ACK and none of
     * SYN/FIN/RST/URG/CWR, some payload, and valid IP and TCP checksums.
     */
    private static int joinablePayload(ByteBuffer p, int s, int e) {
        int total = e - s;
        if (total < 40 || (p.get(s) & 0xFF) != 0x45 || (p.get(s + 9) & 0xFF) != TcpSegmenter.IPPROTO_TCP
                || (p.getShort(s + 2) & 0xFFFF) != total || (p.getShort(s + 6) & 0x3FFF) != 0) {
            return 0;
        }
        int tcp = s + 20;
        int flags = p.get(tcp + 13) & 0xFF;
        int tcpLength = ((p.get(tcp + 12) & 0xF0) >>> 4) * 4;
        if ((flags & ACK) == 0 || (flags & UNJOINABLE) != 0 || tcpLength < 20 || 20 + tcpLength >= total) {
            return 0;
        }
        if (!InternetChecksum.verifies(InternetChecksum.add(0, p, s, 20))) {
            return 0;
        }
        long sum = InternetChecksum.pseudoHeader(p, s, TcpSegmenter.IPPROTO_TCP, total - 20);
        if (!InternetChecksum.verifies(InternetChecksum.add(sum, p, tcp, total - 20))) {
            return 0;
        }
        return total - 20 - tcpLength;
    }

    /** Whether the joinable packet at {@code p[s..]} is the next segment of the held run. */
    private boolean continues(ByteBuffer p, int s, int payload) {
        if (ended || segments == MAX_SEGMENTS || payload > gsoSize || length + payload > MAX_IP_LENGTH) {
            return false;
        }
        int h = VirtioNetHeader.LENGTH;
        int tcp = s + 20;
        int heldTcp = h + 20;
        if (((p.get(tcp + 12) & 0xF0) >>> 4) * 4 != tcpLength || p.getInt(tcp + 4) != nextSequence) {
            return false;
        }
        // IP: version/IHL and TOS; DF/fragment field, TTL, protocol; addresses
        // (the length, ID and checksum differ from segment to segment)
        if (p.getShort(s) != buffer.getShort(h) || p.getInt(s + 6) != buffer.getInt(h + 6)
                || p.getLong(s + 12) != buffer.getLong(h + 12)) {
            return false;
        }
        // TCP: ports, acknowledgement, data offset, flags but PSH, window, urgent pointer, options
        if (p.getInt(tcp) != buffer.getInt(heldTcp) || p.getInt(tcp + 8) != buffer.getInt(heldTcp + 8)
                || p.get(tcp + 12) != buffer.get(heldTcp + 12)
                || ((p.get(tcp + 13) ^ buffer.get(heldTcp + 13)) & ~TcpSegmenter.PSH) != 0
                || p.getShort(tcp + 14) != buffer.getShort(heldTcp + 14)
                || p.getShort(tcp + 18) != buffer.getShort(heldTcp + 18)) {
            return false;
        }
        for (int i = 20; i < tcpLength; i += 4) {
            if (p.getInt(tcp + i) != buffer.getInt(heldTcp + i)) {
                return false;
            }
        }
        return true;
    }

    private void start(D target, ByteBuffer p, int s, int payload) {
        int total = payload + 20 + ((p.get(s + 32) & 0xF0) >>> 4) * 4;
        buffer.put(VirtioNetHeader.LENGTH, p, s, total);
        device = target;
        length = total;
        segments = 1;
        gsoSize = payload;
        tcpLength = total - 20 - payload;
        nextSequence = p.getInt(s + 24) + payload;
        ended = (p.get(s + 33) & TcpSegmenter.PSH) != 0;
    }

    private void append(ByteBuffer p, int s, int payload) {
        int total = p.limit() - s;
        buffer.put(VirtioNetHeader.LENGTH + length, p, s + total - payload, payload);
        length += payload;
        segments++;
        nextSequence += payload;
        int flags = p.get(s + 33);
        if ((flags & TcpSegmenter.PSH) != 0) {
            // The joined packet carries PSH, as GRO's does: the data up to here is to be pushed.
            int held = VirtioNetHeader.LENGTH + 33;
            buffer.put(held, (byte) (buffer.get(held) | TcpSegmenter.PSH));
            ended = true;
        } else if (payload < gsoSize) {
            ended = true;
        }
    }
}
