package org.homerouter.bridge.tun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.homerouter.pptp.tunnel.InternetChecksum;
import org.junit.jupiter.api.Test;

/**
 * The TUN offloads done in software: TSO packets the kernel hands over are cut into segments that
 * are each a valid IP/TCP packet, and segments a burst writes are joined into one packet that cuts
 * back into exactly those segments; what cannot be joined goes out as it came, in order.
 */
class TcpOffloadTest {
    private static final int MSS = 1348; // MTU 1400 - 20 (IP) - 32 (TCP with timestamps)
    private static final String DEVICE_A = "pptp0";
    private static final String DEVICE_B = "pptp1";
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;
    private static final int SYN = 0x02;

    // --- segmentation (what the reader does with the kernel's TSO packets) ---

    @Test
    void aTsoPacketIsCutIntoValidSegmentsCarryingTheSamePayload() {
        byte[] payload = randomPayload(5000);
        ByteBuffer tso = tcpPacket(1000, 0x1000_0000, ACK | PSH, payload, 0, payload.length);
        partialChecksum(tso); // as the kernel hands it: the pseudo-header sum only
        List<byte[]> segments = segment(new VirtioNetHeader(VirtioNetHeader.F_NEEDS_CSUM,
                VirtioNetHeader.GSO_TCPV4, 52, MSS, 20, 16), tso);

        assertEquals(4, segments.size());
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int i = 0; i < segments.size(); i++) {
            ByteBuffer s = ByteBuffer.wrap(segments.get(i));
            int expectedPayload = i < 3 ? MSS : 5000 - 3 * MSS;
            assertEquals(52 + expectedPayload, s.getShort(2) & 0xFFFF, "IP total length of segment " + i);
            assertEquals(1000 + i, s.getShort(4) & 0xFFFF, "IP ID of segment " + i);
            assertEquals(0x1000_0000 + i * MSS, s.getInt(24), "sequence of segment " + i);
            assertEquals(i == 3 ? ACK | PSH : ACK, s.get(33) & 0xFF, "flags of segment " + i);
            assertValidChecksums(segments.get(i));
            joined.write(segments.get(i), 52, expectedPayload);
        }
        assertArrayEquals(payload, joined.toByteArray());
    }

    @Test
    void aPartialChecksumIsCompletedOnASinglePacket() {
        byte[] payload = randomPayload(301); // odd: the last octet is padded
        ByteBuffer packet = tcpPacket(7, 42, ACK, payload, 0, payload.length);
        byte[] expected = packet.array().clone();
        partialChecksum(packet);
        List<byte[]> out = segment(new VirtioNetHeader(VirtioNetHeader.F_NEEDS_CSUM,
                VirtioNetHeader.GSO_NONE, 0, 0, 20, 16), packet);
        assertEquals(1, out.size());
        assertArrayEquals(expected, out.get(0));
    }

    /**
     * The router's own UDP (its DNS answers to a client, say) comes with a partial checksum too. One
     * whose sum completes to 0 goes out as 0xFFFF: in UDP a 0 says "no checksum" (RFC 768), and the
     * client would take it unchecked.
     */
    @Test
    void aUdpChecksumThatCompletesToZeroIsWrittenAsAllOnes() {
        ByteBuffer udp = ByteBuffer.allocate(20 + 8 + 10);
        udp.put(0, (byte) 0x45).putShort(2, (short) udp.capacity()).put(8, (byte) 64).put(9, (byte) 17);
        udp.putInt(12, 0xC0A8FA01).putInt(16, 0xC0A8FA0A);
        udp.putShort(20, (short) 53).putShort(22, (short) 40000).putShort(24, (short) 18);
        udp.putShort(26, (short) InternetChecksum.fold(InternetChecksum.pseudoHeader(udp, 0, 17, 18)));
        udp.putLong(28, 0x0123_4567_89AB_CDEFL);
        // The last two octets make the sum over the datagram fold to 0xFFFF: a checksum of 0.
        int folded = InternetChecksum.fold(InternetChecksum.add(0, udp, 20, 18));
        udp.putShort(36, (short) (0xFFFF - folded));
        assertEquals(0xFFFF, InternetChecksum.fold(InternetChecksum.add(0, udp, 20, 18)));

        List<byte[]> out = segment(new VirtioNetHeader(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_NONE, 0, 0,
                20, 6), udp);
        assertEquals(1, out.size());
        assertEquals(0xFFFF, ByteBuffer.wrap(out.get(0)).getShort(26) & 0xFFFF);
    }

    @Test
    void offloadsWeNeverAskedForAreRefused() {
        ByteBuffer packet = tcpPacket(7, 42, ACK, randomPayload(3000), 0, 3000);
        assertTrue(segment(new VirtioNetHeader(0, VirtioNetHeader.GSO_UDP, 0, 1400, 0, 0), packet).isEmpty());
        assertTrue(segment(new VirtioNetHeader(0, VirtioNetHeader.GSO_TCPV6, 0, 1400, 0, 0), packet).isEmpty());
    }

    // --- joining (what a TUN write burst does with decrypted segments) ---

    @Test
    void consecutiveSegmentsAreJoinedIntoOnePacketThatCutsBackIntoThem() throws Exception {
        byte[] payload = randomPayload(10 * MSS + 500);
        List<ByteBuffer> segments = segmentsOf(payload, 500, 77_000, true);
        Written written = new Written();
        TcpCoalescer<String> coalescer = coalescer(written);
        for (ByteBuffer s : segments) {
            assertTrue(coalescer.add(DEVICE_A, s.duplicate()));
        }
        assertTrue(written.packets.isEmpty(), "nothing is written before the burst ends");
        coalescer.flush();

        assertEquals(1, written.packets.size());
        ByteBuffer joined = ByteBuffer.wrap(written.packets.get(0));
        VirtioNetHeader header = VirtioNetHeader.read(joined, 0);
        assertEquals(VirtioNetHeader.GSO_TCPV4, header.gsoType());
        assertEquals(MSS, header.gsoSize());
        assertTrue(header.needsChecksum());
        assertEquals(52, header.headerLength());
        // The kernel cuts it exactly as our reader would: back into the segments that were written.
        List<byte[]> recut = segment(header, ByteBuffer.wrap(written.packets.get(0), VirtioNetHeader.LENGTH,
                written.packets.get(0).length - VirtioNetHeader.LENGTH).slice());
        assertEquals(segments.size(), recut.size());
        for (int i = 0; i < segments.size(); i++) {
            assertArrayEquals(segments.get(i).array(), recut.get(i), "segment " + i);
        }
        assertEquals(segments.size(), coalescer.joined());
    }

    @Test
    void aLoneSegmentGoesOutUnchangedWithAnEmptyHeader() throws Exception {
        ByteBuffer only = tcpPacket(1, 5, ACK | PSH, randomPayload(100), 0, 100);
        Written written = new Written();
        TcpCoalescer<String> coalescer = coalescer(written);
        assertTrue(coalescer.add(DEVICE_A, only.duplicate()));
        coalescer.flush();
        assertEquals(1, written.packets.size());
        assertEquals(VirtioNetHeader.NONE, VirtioNetHeader.read(ByteBuffer.wrap(written.packets.get(0)), 0));
        assertArrayEquals(only.array(), Arrays.copyOfRange(written.packets.get(0), VirtioNetHeader.LENGTH,
                written.packets.get(0).length));
    }

    @Test
    void whatCannotBeJoinedIsWrittenAsItCameAndInOrder() throws Exception {
        byte[] payload = randomPayload(6 * MSS);
        List<ByteBuffer> segments = segmentsOf(payload, 10, 1, false);
        ByteBuffer gapped = segments.get(4);              // segment 3 lost: a sequence gap
        ByteBuffer corrupt = segments.get(5).duplicate(); // a flipped bit MPPE cannot notice
        byte[] corrupted = corrupt.array().clone();
        corrupted[200] ^= 0x04;
        ByteBuffer syn = tcpPacket(99, 1, SYN | ACK, new byte[0], 0, 0);

        List<String> order = new ArrayList<>();
        Written written = new Written(order);
        TcpCoalescer<String> coalescer = coalescer(written);
        assertTrue(coalescer.add(DEVICE_A, segments.get(0).duplicate()));
        assertTrue(coalescer.add(DEVICE_A, segments.get(1).duplicate()));
        assertTrue(coalescer.add(DEVICE_A, segments.get(2).duplicate()));
        assertTrue(coalescer.add(DEVICE_A, gapped.duplicate()));       // writes 0..2, holds 4
        assertFalse(coalescer.add(DEVICE_A, ByteBuffer.wrap(corrupted))); // writes 4; caller writes it
        order.add("caller writes the corrupted segment");
        assertFalse(coalescer.add(DEVICE_A, syn.duplicate()));
        order.add("caller writes the SYN");
        assertTrue(coalescer.add(DEVICE_B, segments.get(0).duplicate()));
        assertTrue(coalescer.add(DEVICE_A, segments.get(1).duplicate())); // another device: B's run goes first
        coalescer.flush();

        assertEquals(List.of("pptp0: 3 segments", "pptp0: 1 segment", "caller writes the corrupted segment",
                "caller writes the SYN", "pptp1: 1 segment", "pptp0: 1 segment"), order);
    }

    @Test
    void aShortOrPushedSegmentEndsTheRun() throws Exception {
        byte[] payload = randomPayload(2 * MSS + 100 + MSS);
        ByteBuffer first = tcpPacket(1, 0, ACK, payload, 0, MSS);
        ByteBuffer shortOne = tcpPacket(2, MSS, ACK, payload, MSS, 100);
        ByteBuffer after = tcpPacket(3, MSS + 100, ACK, payload, MSS + 100, MSS);
        List<String> order = new ArrayList<>();
        TcpCoalescer<String> coalescer = coalescer(new Written(order));
        coalescer.add(DEVICE_A, first);
        coalescer.add(DEVICE_A, shortOne);
        coalescer.add(DEVICE_A, after);
        coalescer.flush();
        assertEquals(List.of("pptp0: 2 segments", "pptp0: 1 segment"), order);
    }

    // --- helpers ---

    private static TcpCoalescer<String> coalescer(Written written) {
        return new TcpCoalescer<>(Arena.ofAuto().allocate(TcpCoalescer.AREA_SIZE), written);
    }

    /** What the coalescer wrote, and the order of writes (with the caller's own, for interleaving). */
    private static final class Written implements TcpCoalescer.Sink<String> {
        final List<byte[]> packets = new ArrayList<>();
        final List<String> order;

        Written() {
            this(new ArrayList<>());
        }

        Written(List<String> order) {
            this.order = order;
        }

        @Override
        public void write(String device, MemorySegment data, int length) {
            byte[] copy = data.asSlice(0, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            packets.add(copy);
            VirtioNetHeader header = VirtioNetHeader.read(ByteBuffer.wrap(copy), 0);
            int payload = length - VirtioNetHeader.LENGTH - 52;
            int segments = header.gsoSize() == 0 ? 1 : (payload + header.gsoSize() - 1) / header.gsoSize();
            order.add(device + ": " + segments + (segments == 1 ? " segment" : " segments"));
        }
    }

    /** The segments a sender with this MSS sends for {@code payload}, checksums complete. */
    private static List<ByteBuffer> segmentsOf(byte[] payload, int firstId, int firstSequence, boolean pushLast) {
        List<ByteBuffer> segments = new ArrayList<>();
        for (int offset = 0, i = 0; offset < payload.length; offset += MSS, i++) {
            int length = Math.min(MSS, payload.length - offset);
            boolean last = offset + length == payload.length;
            segments.add(tcpPacket(firstId + i, firstSequence + offset, ACK | (last && pushLast ? PSH : 0),
                    payload, offset, length));
        }
        return segments;
    }

    private static List<byte[]> segment(VirtioNetHeader header, ByteBuffer packet) {
        List<byte[]> out = new ArrayList<>();
        TcpSegmenter segmenter = new TcpSegmenter(ByteBuffer.allocate(65536));
        boolean done = segmenter.deliver(header, packet, packet.position(), packet.limit(), b -> {
            byte[] copy = new byte[b.remaining()];
            b.duplicate().get(copy);
            out.add(copy);
        });
        assertEquals(done, !out.isEmpty());
        return out;
    }

    /**
     * An IPv4/TCP packet 10.0.0.1:40000 -> 192.168.250.1:5201 with the timestamp option (a 32-octet
     * TCP header, as Linux sends), DF, TTL 64, window 502, both checksums complete.
     */
    private static ByteBuffer tcpPacket(int id, int sequence, int flags, byte[] payload, int offset, int length) {
        ByteBuffer p = ByteBuffer.allocate(52 + length);
        p.put((byte) 0x45).put((byte) 0).putShort((short) (52 + length)).putShort((short) id)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                .put(new byte[] {10, 0, 0, 1}).put(new byte[] {(byte) 192, (byte) 168, (byte) 250, 1});
        p.putShort((short) 40000).putShort((short) 5201).putInt(sequence).putInt(0x5555_0000)
                .put((byte) 0x80).put((byte) flags).putShort((short) 502).putShort((short) 0).putShort((short) 0)
                .put(new byte[] {1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78});
        p.put(payload, offset, length);
        p.putShort(10, (short) ~reference(p.array(), 0, 20));
        p.putShort(36, (short) ~foldedTcpSum(p.array()));
        return p.flip();
    }

    /** Replaces the TCP checksum by the pseudo-header sum alone, as the kernel leaves it with TUN_F_CSUM. */
    private static void partialChecksum(ByteBuffer p) {
        int tcpLength = p.limit() - 20;
        long sum = InternetChecksum.pseudoHeader(p, 0, 6, tcpLength);
        p.putShort(36, (short) InternetChecksum.fold(sum));
    }

    private static void assertValidChecksums(byte[] packet) {
        assertEquals(0xFFFF, reference(packet, 0, 20), "IP header checksum");
        assertEquals(0xFFFF, foldedTcpSum(packet), "TCP checksum");
    }

    /** The TCP segment's sum with its pseudo-header, by the textbook 16-bit loop (independent of InternetChecksum). */
    private static int foldedTcpSum(byte[] packet) {
        int tcpLength = packet.length - 20;
        byte[] pseudo = new byte[12 + tcpLength];
        System.arraycopy(packet, 12, pseudo, 0, 8);
        pseudo[9] = 6;
        pseudo[10] = (byte) (tcpLength >> 8);
        pseudo[11] = (byte) tcpLength;
        System.arraycopy(packet, 20, pseudo, 12, tcpLength);
        return reference(pseudo, 0, pseudo.length);
    }

    /** RFC 1071 §4.1's loop: 16-bit big-endian words, odd octet padded, carries folded. */
    private static int reference(byte[] data, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = data[offset + i] & 0xFF;
            int lo = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            sum += hi << 8 | lo;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) sum;
    }

    private static byte[] randomPayload(int length) {
        byte[] b = new byte[length];
        new Random(length).nextBytes(b);
        return b;
    }
}
