package org.homerouter.bridge.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

import org.homerouter.bridge.gre.Ipv4Envelope.Verdict;
import org.junit.jupiter.api.Test;

/** IPv4 header stripping on hand-written datagrams, as a raw socket would deliver them. */
class Ipv4EnvelopeTest {
    /** 20-octet header, total length 36, proto 47, 192.0.2.1 -> 198.51.100.7, then 16 octets of GRE. */
    private static final int[] PLAIN = {
            0x45, 0x00, 0x00, 0x24, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x2f, 0x00, 0x00,
            0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
            0x30, 0x81, 0x88, 0x0b, 0x00, 0x04, 0x12, 0x34, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x06};

    private static ByteBuffer buffer(int... octets) {
        ByteBuffer b = ByteBuffer.allocate(octets.length);
        for (int o : octets) {
            b.put((byte) o);
        }
        return b.flip();
    }

    @Test
    void plainHeaderIsStrippedToTheGreHeader() {
        ByteBuffer b = buffer(PLAIN);
        assertEquals(Verdict.GRE, Ipv4Envelope.open(b));
        assertEquals(20, b.position());
        assertEquals(36, b.limit());
        assertEquals(0x30, b.get(b.position()) & 0xFF);
        assertEquals(0xc0000201, Ipv4Envelope.source(b, 0));
    }

    @Test
    void optionsAreSkippedByIhl() {
        // IHL 6: one 4-octet option (NOP NOP NOP EOL) after the fixed header; total 40.
        int[] withOption = new int[40];
        System.arraycopy(PLAIN, 0, withOption, 0, 20);
        withOption[0] = 0x46;
        withOption[3] = 40;
        withOption[20] = 1;
        withOption[21] = 1;
        withOption[22] = 1;
        withOption[23] = 0;
        System.arraycopy(PLAIN, 20, withOption, 24, 16);
        ByteBuffer b = buffer(withOption);
        assertEquals(Verdict.GRE, Ipv4Envelope.open(b));
        assertEquals(24, b.position());
        assertEquals(0x30, b.get() & 0xFF);
    }

    @Test
    void paddingBeyondTotalLengthIsCutOff() {
        int[] padded = new int[PLAIN.length + 6];
        System.arraycopy(PLAIN, 0, padded, 0, PLAIN.length);
        ByteBuffer b = buffer(padded);
        assertEquals(Verdict.GRE, Ipv4Envelope.open(b));
        assertEquals(16, b.remaining());
    }

    @Test
    void workFromTheBuffersPosition() {
        int[] shifted = new int[PLAIN.length + 3];
        System.arraycopy(PLAIN, 0, shifted, 3, PLAIN.length);
        ByteBuffer b = buffer(shifted).position(3);
        assertEquals(Verdict.GRE, Ipv4Envelope.open(b));
        assertEquals(23, b.position());
        assertEquals(39, b.limit());
    }

    @Test
    void laterFragmentsAreRefusedButAFirstFragmentPasses() {
        int[] later = PLAIN.clone();
        later[6] = 0x20; // MF
        later[7] = 0xb9; // offset 185 (1480 octets)
        assertUnchanged(Verdict.LATER_FRAGMENT, later);
        int[] lastFragment = PLAIN.clone();
        lastFragment[6] = 0x00;
        lastFragment[7] = 0x01;
        assertUnchanged(Verdict.LATER_FRAGMENT, lastFragment);
        int[] first = PLAIN.clone();
        first[6] = 0x20; // MF, offset 0: carries the GRE header
        assertEquals(Verdict.GRE, Ipv4Envelope.open(buffer(first)));
    }

    @Test
    void otherVersionsProtocolsAndBrokenHeadersAreRefused() {
        int[] v6 = PLAIN.clone();
        v6[0] = 0x65;
        assertUnchanged(Verdict.NOT_IPV4, v6);
        int[] udp = PLAIN.clone();
        udp[9] = 17;
        assertUnchanged(Verdict.NOT_GRE, udp);
        int[] shortIhl = PLAIN.clone();
        shortIhl[0] = 0x44;
        assertUnchanged(Verdict.BAD_HEADER, shortIhl);
        int[] totalBelowHeader = PLAIN.clone();
        totalBelowHeader[3] = 19;
        assertUnchanged(Verdict.BAD_HEADER, totalBelowHeader);
        int[] totalBeyondData = PLAIN.clone();
        totalBeyondData[3] = 37;
        assertUnchanged(Verdict.TRUNCATED, totalBeyondData);
        int[] ihlBeyondData = PLAIN.clone();
        ihlBeyondData[0] = 0x4f; // 60-octet header (and total length) in 36 octets received
        ihlBeyondData[3] = 60;
        assertUnchanged(Verdict.TRUNCATED, ihlBeyondData);
        int[] tooShort = new int[19];
        System.arraycopy(PLAIN, 0, tooShort, 0, 19);
        assertUnchanged(Verdict.TRUNCATED, tooShort);
    }

    private static void assertUnchanged(Verdict expected, int[] octets) {
        ByteBuffer b = buffer(octets);
        assertEquals(expected, Ipv4Envelope.open(b));
        assertEquals(0, b.position());
        assertEquals(octets.length, b.limit());
    }
}
