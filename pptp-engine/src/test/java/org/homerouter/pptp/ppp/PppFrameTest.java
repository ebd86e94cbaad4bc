package org.homerouter.pptp.ppp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PppFrameTest {

    private static ByteBuffer frame(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex.replace(" ", "")));
    }

    private static String written(int protocol, HeaderCompression compression) {
        ByteBuffer out = ByteBuffer.allocate(8);
        PppFrame.writeHeader(out, protocol, compression);
        assertEquals(PppFrame.headerLength(protocol, compression), out.position(), "headerLength agrees");
        return HexFormat.of().formatHex(out.array(), 0, out.position());
    }

    @Test
    void fullHeaderLeavesThePositionAtTheInformationField() {
        ByteBuffer f = frame("ff 03" // Address, Control
                + " c0 21" // Protocol: LCP
                + " 09 01 00 08 11 22 33 44"); // Echo-Request
        assertEquals(0xC021, PppFrame.readHeader(f));
        assertEquals(4, f.position());
        assertEquals(0x09, f.get() & 0xFF);
    }

    @Test
    void addressAndControlMayBeAbsent() {
        ByteBuffer f = frame("80 21" // Protocol: IPCP, no Address/Control (ACFC)
                + " 01 01 00 04");
        assertEquals(0x8021, PppFrame.readHeader(f));
        assertEquals(2, f.position());
    }

    @Test
    void oddFirstProtocolOctetIsAOneOctetProtocol() {
        ByteBuffer f = frame("ff 03" // Address, Control
                + " 21" // Protocol 0x0021 (IPv4) compressed by PFC
                + " 45 00");
        assertEquals(0x0021, PppFrame.readHeader(f));
        assertEquals(3, f.position());
        assertEquals(0x45, f.get() & 0xFF);
    }

    @Test
    void bothCompressionsTogether() {
        ByteBuffer f = frame("fd" // Protocol 0x00FD (compressed datagram), no Address/Control
                + " 90 00");
        assertEquals(0x00FD, PppFrame.readHeader(f));
        assertEquals(1, f.position());
    }

    @Test
    void uncompressedTwoOctetFormOfACompressibleProtocol() {
        ByteBuffer f = frame("00 21 45");
        assertEquals(0x0021, PppFrame.readHeader(f));
        assertEquals(2, f.position());
    }

    @Test
    void truncatedHeadersAreRefusedWithoutMovingThePosition() {
        for (String hex : new String[] {"", "ff 03", "ff 03 c0", "80"}) {
            ByteBuffer f = frame(hex);
            assertEquals(-1, PppFrame.readHeader(f), hex);
            assertEquals(0, f.position(), hex);
        }
    }

    @Test
    void illFormedProtocolsAreReportedForProtocolReject() {
        // Even low octet: RFC 1661 §2 says treat as an unrecognized protocol, not as garbage.
        ByteBuffer f = frame("ff 03 80 20 00");
        assertEquals(0x8020, PppFrame.readHeader(f));
        assertFalse(PppProtocol.isWellFormed(0x8020));
        assertFalse(PppProtocol.isWellFormed(0x0121)); // odd high octet
        assertTrue(PppProtocol.isWellFormed(0xC021));
        assertTrue(PppProtocol.isWellFormed(0x0021));
    }

    @Test
    void lcpIsNeverCompressed() {
        HeaderCompression both = new HeaderCompression(true, true);
        assertEquals("ff03c021", written(PppProtocol.LCP, both));
    }

    @Test
    void encodingAppliesTheNegotiatedCompressions() {
        assertEquals("ff030021", written(PppProtocol.IPV4, HeaderCompression.NONE));
        assertEquals("ff0321", written(PppProtocol.IPV4, new HeaderCompression(false, true)));
        assertEquals("0021", written(PppProtocol.IPV4, new HeaderCompression(true, false)));
        assertEquals("21", written(PppProtocol.IPV4, new HeaderCompression(true, true)));
        // PFC only shortens protocols whose high octet is zero.
        assertEquals("8021", written(PppProtocol.IPCP, new HeaderCompression(true, true)));
        assertEquals("ff03c223", written(PppProtocol.CHAP, new HeaderCompression(false, true)));
    }

    @Test
    void encodedHeaderReadsBack() {
        ByteBuffer out = ByteBuffer.allocate(16);
        PppFrame.writeHeader(out, PppProtocol.COMPRESSED_DATAGRAM, new HeaderCompression(true, true));
        out.put((byte) 0x90);
        out.flip();
        assertArrayEquals(new byte[] {(byte) 0xFD, (byte) 0x90}, Arrays.copyOf(out.array(), 2));
        assertEquals(0x00FD, PppFrame.readHeader(out));
    }
}
