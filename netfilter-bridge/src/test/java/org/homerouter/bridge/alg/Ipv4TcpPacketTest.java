package org.homerouter.bridge.alg;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

class Ipv4TcpPacketTest {
    /** A SYN from 10.0.0.2:40000 to 10.0.0.1:1723, written by hand (RFC 791 / RFC 9293 header layouts). */
    static final byte[] SYN = HexFormat.of().parseHex(
            "45000028" + "00014000" + "4006" + "0000" + "0a000002" + "0a000001"  // IPv4, 40 octets, TCP
            + "9c40" + "06bb" + "000003e8" + "00000000" + "5002" + "7210" + "0000" + "0000"); // TCP, checksum 0 for now

    @Test
    void readsAddressesPortsSequenceAndFlags() throws Exception {
        Ipv4TcpPacket p = Ipv4TcpPacket.parse(SYN.clone());
        assertNotNull(p);
        assertEquals(InetAddress.getByName("10.0.0.2"), p.source());
        assertEquals(InetAddress.getByName("10.0.0.1"), p.destination());
        assertEquals(40000, p.sourcePort());
        assertEquals(1723, p.destinationPort());
        assertEquals(1000, p.sequence());
        assertTrue(p.syn());
        assertFalse(p.fin());
        assertFalse(p.rst());
        assertEquals(0, p.payloadLength);
        assertEquals(40, p.payloadOffset);
        assertFalse(p.ack());
        // The server's SYN-ACK: its acknowledgment is where the client's data starts.
        byte[] synAck = SYN.clone();
        synAck[33] = 0x12; // SYN|ACK
        System.arraycopy(HexFormat.of().parseHex("ee6b2801"), 0, synAck, 28, 4); // 4000000001, above 2^31
        Ipv4TcpPacket reply = Ipv4TcpPacket.parse(synAck);
        assertTrue(reply.syn() && reply.ack());
        assertEquals((int) 4_000_000_001L, reply.acknowledgment());
    }

    @Test
    void checksumMatchesAnIndependentOnesComplementSumForOddAndEvenPayloads() {
        for (int payload : new int[] {0, 1, 16, 157}) {
            byte[] packet = new byte[40 + payload];
            System.arraycopy(SYN, 0, packet, 0, 40);
            packet[2] = (byte) (packet.length >>> 8);
            packet[3] = (byte) packet.length;
            packet[33] = 0x18; // PSH|ACK
            for (int i = 0; i < payload; i++) {
                packet[40 + i] = (byte) (i * 37 + 11);
            }
            Ipv4TcpPacket p = Ipv4TcpPacket.parse(packet);
            p.fixTcpChecksum();
            assertEquals(0xFFFF, verify(packet), "payload " + payload);
        }
    }

    /**
     * A data segment with options (IP options too) turned into a RST toward the same receiver (the
     * ALG's answer to a connection met mid-stream after a restart): payload gone, the sequence
     * number kept, lengths and both checksums right, as the receiver checks them.
     */
    @Test
    void aDataSegmentBecomesARstAtItsOwnSequenceNumberWithLengthsAndChecksumsRight() {
        byte[] packet = dataSegment();
        Ipv4TcpPacket p = Ipv4TcpPacket.parse(packet);
        byte[] rst = p.asReset();
        assertEquals(24 + 32, rst.length, "IP header with options, TCP header with options, no payload");
        Ipv4TcpPacket r = Ipv4TcpPacket.parse(rst);
        assertEquals(0, r.payloadLength);
        assertEquals(p.sequence(), r.sequence(), "RCV.NXT of a receiver that has all before this segment");
        assertEquals(p.acknowledgment(), r.acknowledgment());
        assertTrue(r.rst() && r.ack() && !r.syn() && !r.fin());
        assertEquals(0x14, rst[24 + 13] & 0xFF, "RST|ACK, PSH gone with the data");
        assertEquals(p.source(), r.source());
        assertEquals(p.destinationPort(), r.destinationPort());
        assertEquals(0xFFFF, ipHeaderSum(rst), "IP header checksum");
        assertEquals(0xFFFF, verify(rst, 24), "TCP checksum");
        assertEquals(0, rst[24 + 18] | rst[24 + 19], "no urgent pointer");
        assertArrayEquals(java.util.Arrays.copyOfRange(packet, 24 + 20, 24 + 32),
                java.util.Arrays.copyOfRange(rst, 24 + 20, 24 + 32), "the options (a timestamp) kept");

        byte[] bare = p.withoutPayload();
        Ipv4TcpPacket b = Ipv4TcpPacket.parse(bare);
        assertEquals(0x10, bare[24 + 13] & 0xFF, "a bare ACK: FIN and PSH gone with the data");
        assertEquals(p.sequence(), b.sequence());
        assertEquals(0xFFFF, ipHeaderSum(bare));
        assertEquals(0xFFFF, verify(bare, 24));
        assertEquals(0xFFFF, ipHeaderSum(packet), "the queued datagram itself is left as it was");
    }

    /**
     * 10.0.0.2:40000 -> 10.0.0.1:1723, IP header with a 4-octet option (NOP x3, EOL), TCP with a
     * timestamp option, FIN|PSH|ACK and 16 octets of payload; both checksums right.
     */
    private static byte[] dataSegment() {
        byte[] p = HexFormat.of().parseHex(
                "46000048" + "12344000" + "4006" + "0000" + "0a000002" + "0a000001" + "01010100"
                + "9c40" + "06bb" + "f0000010" + "12345678" + "8019" + "01f5" + "0000" + "0007"
                + "0101080a" + "00a1b2c3" + "00d4e5f6"
                + "00100001" + "1a2b3c4d" + "00050000" + "00000000");
        Ipv4TcpPacket.parse(p).fixTcpChecksum();
        long sum = 0;
        for (int i = 0; i < 24; i += 2) {
            sum += ((p[i] & 0xFF) << 8) | (p[i + 1] & 0xFF);
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        int c = (int) (~((sum & 0xFFFF) + (sum >>> 16)) & 0xFFFF);
        p[10] = (byte) (c >>> 8);
        p[11] = (byte) c;
        assertEquals(0xFFFF, verify(p, 24), "the fixture's own TCP checksum");
        return p;
    }

    private static int ipHeaderSum(byte[] p) {
        int ihl = (p[0] & 0x0F) * 4;
        long sum = 0;
        for (int i = 0; i < ihl; i += 2) {
            sum += ((p[i] & 0xFF) << 8) | (p[i + 1] & 0xFF);
        }
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    @Test
    void refusesFragmentsAndNonTcp() {
        byte[] fragment = SYN.clone();
        fragment[6] = 0x20; // MF
        assertNull(Ipv4TcpPacket.parse(fragment));
        byte[] udp = SYN.clone();
        udp[9] = 17;
        assertNull(Ipv4TcpPacket.parse(udp));
    }

    /** RFC 1071: the sum over pseudo-header and segment, checksum included, is all ones when it is right. */
    private static int verify(byte[] p) {
        return verify(p, 20);
    }

    private static int verify(byte[] p, int ihl) {
        long sum = 0;
        int total = ((p[2] & 0xFF) << 8) | (p[3] & 0xFF);
        for (int i = 12; i < 20; i += 2) {
            sum += ((p[i] & 0xFF) << 8) | (p[i + 1] & 0xFF);
        }
        sum += 6 + (total - ihl);
        for (int i = ihl; i < total; i++) {
            sum += (i - ihl) % 2 == 0 ? (p[i] & 0xFF) << 8 : p[i] & 0xFF;
        }
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
