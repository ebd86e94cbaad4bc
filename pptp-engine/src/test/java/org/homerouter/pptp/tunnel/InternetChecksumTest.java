package org.homerouter.pptp.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The checksum's own tests (the TUN offloads' tests check the segments and joins that use it). */
class InternetChecksumTest {
    /** RFC 1071 §3's worked example: the octets 00 01 f2 03 f4 f5 f6 f7 sum to ddf2. */
    @Test
    void rfc1071Example() {
        ByteBuffer octets = ByteBuffer.wrap(HexFormat.of().parseHex("0001f203f4f5f6f7"));
        assertEquals(0xddf2, InternetChecksum.fold(InternetChecksum.add(0, octets, 0, 8)));
        assertEquals((short) 0x220d, InternetChecksum.finish(InternetChecksum.add(0, octets, 0, 8)));
    }

    /** A widely used IPv4 header example (192.168.0.1 to 192.168.0.199, UDP): its checksum field is b861. */
    @Test
    void ipv4HeaderChecksum() {
        ByteBuffer header = ByteBuffer.wrap(HexFormat.of().parseHex("450000730000400040110000c0a80001c0a800c7"));
        assertEquals((short) 0xb861, InternetChecksum.finish(InternetChecksum.add(0, header, 0, 20)));
        header.putShort(10, (short) 0xb861);
        assertTrue(InternetChecksum.verifies(InternetChecksum.add(0, header, 0, 20)));
    }

    /**
     * Every length and start across the unrolled loop's boundaries (32, 8 and 2 octets), in heap
     * and direct buffers, and up to the largest IPv4 packet, against a sum of one 16-bit word at
     * a time (RFC 1071 §4.1's loop).
     */
    @Test
    void matchesWordByWordSum() {
        Random random = new Random(1071);
        byte[] octets = new byte[65_536 + 8];
        random.nextBytes(octets);
        ByteBuffer heap = ByteBuffer.wrap(octets);
        ByteBuffer direct = ByteBuffer.allocateDirect(octets.length).put(octets).clear();
        for (int from = 0; from < 4; from++) {
            for (int length = 0; length <= 300; length++) {
                long start = random.nextInt(1 << 20);
                String where = "from " + from + ", length " + length;
                int expected = InternetChecksum.fold(wordByWord(start, octets, from, length));
                assertEquals(expected, InternetChecksum.fold(InternetChecksum.add(start, heap, from, length)),
                        "heap buffer, " + where);
                assertEquals(expected, InternetChecksum.fold(InternetChecksum.add(start, direct, from, length)),
                        "direct buffer, " + where);
            }
        }
        for (int length : new int[] {1380, 1381, 65_535, 65_536}) {
            assertEquals(InternetChecksum.fold(wordByWord(0, octets, 3, length)),
                    InternetChecksum.fold(InternetChecksum.add(0, heap, 3, length)), "length " + length);
        }
    }

    /** All octets 0xff, the largest words: the sum must not overflow its accumulators. */
    @Test
    void largestWordsDoNotOverflow() {
        byte[] octets = new byte[65_536];
        Arrays.fill(octets, (byte) 0xff);
        assertEquals(InternetChecksum.fold(wordByWord(0, octets, 0, octets.length)),
                InternetChecksum.fold(InternetChecksum.add(0, ByteBuffer.wrap(octets), 0, octets.length)));
    }

    private static long wordByWord(long sum, byte[] octets, int from, int length) {
        for (int i = 0; i < length; i += 2) {
            int high = octets[from + i] & 0xFF;
            int low = i + 1 < length ? octets[from + i + 1] & 0xFF : 0;
            sum += high << 8 | low;
            sum = (sum & 0xFFFF) + (sum >>> 16); // end-around carry per word
        }
        return sum;
    }
}
