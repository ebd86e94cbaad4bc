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
        long sum = 0;
        int total = ((p[2] & 0xFF) << 8) | (p[3] & 0xFF);
        for (int i = 12; i < 20; i += 2) {
            sum += ((p[i] & 0xFF) << 8) | (p[i + 1] & 0xFF);
        }
        sum += 6 + (total - 20);
        for (int i = 20; i < total; i++) {
            sum += (i - 20) % 2 == 0 ? (p[i] & 0xFF) << 8 : p[i] & 0xFF;
        }
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
