package org.homerouter.pptp.mppe;

import static org.homerouter.pptp.mppe.MppeTestPackets.START;
import static org.homerouter.pptp.mppe.MppeTestPackets.encrypt;
import static org.homerouter.pptp.mppe.MppeTestPackets.ipv4Plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.remaining;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stateless MPPE after a burst loss of thousands of packets (a WAN outage of some seconds under a
 * video call or a site-to-site tunnel's traffic: the session outlives it). The coherency count has
 * 12 bits (RFC 3078 §3) and the key changes at every packet (§8.1), so the count alone cannot tell
 * a loss of n packets from one of n + 4,096. Followed as Linux does, a loss of 2,048 packets or
 * more left every later packet dropped as late until the count came round, then followed with a
 * key 4,096 changes short: every packet after decrypted to garbage, dropped as not IP, and the
 * link stayed up (LCP is not encrypted) carrying nothing, for good.
 */
class MppeBurstLossTest {
    /** The session's decryptor: its traffic is IPv4. */
    private static MppeDecryptor session(ManualClock clock) {
        return new MppeDecryptor(START, MppeStrength.BITS_128, true, MppeDecryptor.DEFAULT_MAX_BAD_PACKETS, true, clock);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2047, 2048, 2500, 3000, 3838, 4094, 4095, 4096, 4097, 6000, 7934})
    void theStreamAfterABurstLossIsDecryptedAgain(int lost) {
        Random rnd = new Random(lost);
        ManualClock clock = new ManualClock();
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = session(clock);
        for (int i = 0; i < 5; i++) {
            delivered(dec, enc, rnd, "before the loss");
        }
        for (int i = 0; i < lost; i++) {
            encrypt(enc, ipv4Plaintext(rnd, 40)); // lost on the way
        }
        int droppedAfter = 0;
        int deliveredAfter = 0;
        for (int i = 0; i < 400; i++) {
            clock.advance(Duration.ofMillis(1));
            byte[] plain = ipv4Plaintext(rnd, 22 + rnd.nextInt(200));
            ByteBuffer wire = encrypt(enc, plain);
            MppeDecryptResult r = dec.decrypt(wire);
            if (r == MppeDecryptResult.DELIVERED) {
                assertArrayEquals(plain, remaining(wire), "packet " + i + " after a loss of " + lost);
                deliveredAfter++;
            } else {
                assertEquals(0, deliveredAfter, "dropped after the stream was found again: " + r);
                droppedAfter++;
            }
        }
        assertTrue(droppedAfter <= 256, droppedAfter + " packets dropped after a loss of " + lost);
        assertEquals(enc.keyChanges(), dec.keyChanges(), "in step with the sender");
        assertEquals(0, dec.count(MppeDecryptResult.LINK_FAILURE));
    }

    /** Beyond what a jump across the wrap finds: the link ends, visibly, rather than staying up with nothing. */
    @Test
    void aLossTooLongToFindEndsTheLink() {
        Random rnd = new Random(9);
        ManualClock clock = new ManualClock();
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = session(clock);
        delivered(dec, enc, rnd, "before the loss");
        for (int i = 0; i < 3 * MppeHeader.COUNT_SPACE; i++) {
            encrypt(enc, ipv4Plaintext(rnd, 40));
        }
        int packets = 0;
        int garbage = 0;
        MppeDecryptResult r = null;
        while (r != MppeDecryptResult.LINK_FAILURE && packets < 20_000) {
            clock.advance(Duration.ofMillis(1));
            byte[] plain = ipv4Plaintext(rnd, 60);
            ByteBuffer wire = encrypt(enc, plain);
            r = dec.decrypt(wire);
            if (r == MppeDecryptResult.DELIVERED) {
                // Garbage whose first octets read as IPv4 (about 1 in 4,000): the device drops it.
                assertTrue(!java.util.Arrays.equals(plain, remaining(wire)), "found a loss it cannot have found");
                garbage++;
            }
            packets++;
        }
        assertTrue(garbage <= 20, garbage + " garbage packets taken for IPv4");
        assertEquals(MppeDecryptResult.LINK_FAILURE, r, "still up after " + packets + " undecipherable packets");
        assertTrue(packets <= 10_000, packets + " packets (10 s at 1 ms) before the link ended");
    }

    /** A packet that decrypts to something not IPv4 is not a good one: 16 in a row end the link. */
    @Test
    void packetsThatDecryptToGarbageAreNotGoodPackets() {
        Random rnd = new Random(10);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        ManualClock clock = new ManualClock();
        MppeDecryptor dec = session(clock);
        delivered(dec, enc, rnd, "an IPv4 packet");
        MppeDecryptResult r = null;
        int packets = 0;
        while (r != MppeDecryptResult.LINK_FAILURE && packets < 100) {
            clock.advance(Duration.ofMillis(500)); // each one tried 4,096 key changes further too
            byte[] notIp = plaintext(rnd, 40);
            notIp[2] = 0x60; // IPv6, which IPCP-only sessions never carry
            r = dec.decrypt(encrypt(enc, notIp));
            packets++;
        }
        assertEquals(MppeDecryptResult.LINK_FAILURE, r);
        assertEquals(MppeDecryptor.DEFAULT_MAX_BAD_PACKETS, packets);
        assertEquals(MppeDecryptor.DEFAULT_MAX_BAD_PACKETS, dec.count(MppeDecryptResult.DROPPED_UNDECIPHERABLE));
    }

    /**
     * A corrupt (or forged) packet came first after a genuine loss of 4,096: its try across the
     * wrap fails, and the genuine packets after it are found once the budget has filled up again
     * rather than dropped until 16 end the link.
     */
    @Test
    void aCorruptPacketFirstAfterTheLossDoesNotLeaveTheStreamUnfound() {
        Random rnd = new Random(11);
        ManualClock clock = new ManualClock();
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = session(clock);
        delivered(dec, enc, rnd, "before the loss");
        for (int i = 0; i < MppeHeader.COUNT_SPACE; i++) {
            encrypt(enc, ipv4Plaintext(rnd, 40));
        }
        ByteBuffer corrupt = encrypt(enc, ipv4Plaintext(rnd, 60));
        corrupt.put(5, (byte) (corrupt.get(5) ^ 0x5A)); // its IP header no longer checks out
        assertEquals(MppeDecryptResult.DROPPED_UNDECIPHERABLE, dec.decrypt(corrupt));
        int deliveredAfter = 0;
        for (int i = 0; i < 2000 && deliveredAfter == 0; i++) {
            clock.advance(Duration.ofMillis(1));
            byte[] plain = ipv4Plaintext(rnd, 60);
            ByteBuffer wire = encrypt(enc, plain);
            MppeDecryptResult r = dec.decrypt(wire);
            assertTrue(r != MppeDecryptResult.LINK_FAILURE, "the link ended after " + i + " packets");
            if (r == MppeDecryptResult.DELIVERED) {
                assertArrayEquals(plain, remaining(wire));
                deliveredAfter++;
            }
        }
        assertEquals(1, deliveredAfter, "the stream was not found again");
        assertEquals(enc.keyChanges(), dec.keyChanges());
    }

    private static void delivered(MppeDecryptor dec, MppeEncryptor enc, Random rnd, String what) {
        byte[] plain = ipv4Plaintext(rnd, 22 + rnd.nextInt(200));
        ByteBuffer wire = encrypt(enc, plain);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire), what);
        assertArrayEquals(plain, remaining(wire), what);
    }
}
