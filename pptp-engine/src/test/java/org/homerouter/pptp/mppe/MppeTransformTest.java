package org.homerouter.pptp.mppe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** MppeEncryptor and MppeDecryptor against each other: sync, loss, resets and hostile input. */
class MppeTransformTest {
    /** The RFC 3079 §3.5 server send start key. */
    private static final byte[] START = HexFormat.of().parseHex("8B7CDC149B993A1BA118CB153F56DCCB");

    private static byte[] plaintext(Random rnd, int size) {
        byte[] p = new byte[size];
        rnd.nextBytes(p);
        p[0] = 0x00; // PPP protocol 0x0021 (IPv4), as the PPP layer hands it over
        if (size > 1) {
            p[1] = 0x21;
        }
        return p;
    }

    private static ByteBuffer encrypt(MppeEncryptor enc, byte[] plain) {
        ByteBuffer out = ByteBuffer.allocate(plain.length + MppeHeader.LENGTH);
        enc.encrypt(ByteBuffer.wrap(plain), out);
        return out.flip();
    }

    private static byte[] remaining(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private static void roundTrip(MppeStrength strength, boolean stateless, long seed) {
        Random rnd = new Random(seed);
        MppeEncryptor enc = new MppeEncryptor(START, strength, stateless);
        MppeDecryptor dec = new MppeDecryptor(START, strength, stateless);
        for (int i = 0; i < 10_000; i++) {
            byte[] plain = plaintext(rnd, 1 + rnd.nextInt(1500));
            ByteBuffer wire = encrypt(enc, plain);
            assertEquals(i & 0xFFF, MppeHeader.count(wire.get(0), wire.get(1)), "coherency count wraps at 4096");
            assertEquals(stateless || (i & 0xFF) == 0xFF, (wire.get(0) & MppeHeader.FLUSHED) != 0, "A bit");
            if (plain.length >= 16) {
                assertFalse(Arrays.equals(plain, Arrays.copyOfRange(wire.array(), 2, wire.limit())));
            }
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire), "packet " + i);
            assertArrayEquals(plain, remaining(wire), "packet " + i);
        }
        assertEquals(10_000, dec.count(MppeDecryptResult.DELIVERED));
        assertEquals(enc.keyChanges(), dec.keyChanges());
    }

    @Test
    void statelessRoundTrip10000Packets() {
        roundTrip(MppeStrength.BITS_128, true, 1);
    }

    @Test
    void statefulRoundTrip10000Packets() {
        roundTrip(MppeStrength.BITS_128, false, 2);
    }

    @Test
    void reducedStrengthsRoundTripToo() {
        roundTrip(MppeStrength.BITS_40, true, 3);
        roundTrip(MppeStrength.BITS_56, false, 4);
    }

    @Test
    void keyChangesFollowTheMode() {
        Random rnd = new Random(5);
        MppeEncryptor stateless = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeEncryptor stateful = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        for (int i = 0; i < 1024; i++) {
            encrypt(stateless, plaintext(rnd, 40));
            encrypt(stateful, plaintext(rnd, 40));
        }
        assertEquals(1024, stateless.keyChanges());
        assertEquals(4, stateful.keyChanges(), "one per flag packet: counts 255, 511, 767, 1023");
    }

    @Test
    void decryptsInPlaceInTheCallersBuffer() {
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true);
        byte[] plain = plaintext(new Random(6), 100);
        byte[] frame = new byte[4 + 2 + 100]; // PPP header room in front, as a GRE payload would have
        ByteBuffer out = ByteBuffer.wrap(frame, 4, 102).slice();
        enc.encrypt(ByteBuffer.wrap(plain), out);
        ByteBuffer in = ByteBuffer.wrap(frame, 4, 102);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(in));
        assertSame(frame, in.array());
        assertEquals(6, in.position());
        assertArrayEquals(plain, Arrays.copyOfRange(frame, 6, 106));
    }

    @Test
    void directBuffersLargerThanTheScratchArrayWork() {
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        Random rnd = new Random(7);
        for (int size : new int[] {5000, 1, 2048, 2049}) {
            byte[] plain = plaintext(rnd, size);
            ByteBuffer src = ByteBuffer.allocateDirect(size).put(plain).flip();
            ByteBuffer wire = ByteBuffer.allocateDirect(size + 2);
            enc.encrypt(src, wire);
            wire.flip();
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire));
            assertArrayEquals(plain, remaining(wire));
        }
    }

    @Test
    void statelessLossIsBridgedByKeyChangesAndLatePacketsAreDropped() {
        Random rnd = new Random(8);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true);
        int delivered = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] plain = plaintext(rnd, 1 + rnd.nextInt(200));
            ByteBuffer wire = encrypt(enc, plain);
            if (rnd.nextInt(10) == 0) {
                continue; // lost
            }
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire));
            assertArrayEquals(plain, remaining(wire));
            delivered++;
        }
        assertEquals(delivered, dec.count(MppeDecryptResult.DELIVERED));
        assertEquals(0, dec.count(MppeDecryptResult.RESET_REQUIRED), "stateless never needs a reset");

        byte[] early = plaintext(rnd, 30);
        byte[] late = plaintext(rnd, 30);
        ByteBuffer first = encrypt(enc, early);
        ByteBuffer second = encrypt(enc, late);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(second));
        assertEquals(MppeDecryptResult.DROPPED_LATE, dec.decrypt(first), "reordered: already keyed past it");
        ByteBuffer replay = encrypt(enc, late);
        ByteBuffer copy = ByteBuffer.wrap(remaining(replay));
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(replay));
        assertEquals(MppeDecryptResult.DROPPED_LATE, dec.decrypt(copy), "a duplicate is not decrypted twice");
    }

    /**
     * Stateful mode over a link losing 1 packet in 10: a gap makes the decryptor ask for a reset,
     * the encryptor flushes the next packet, and the decryptor resumes there. Every delivered
     * packet must be exactly what was sent: RC4 has no integrity check, so a desync would deliver
     * garbage silently.
     */
    @Test
    void statefulLossRecoversThroughTheResetPath() {
        Random rnd = new Random(9);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        int delivered = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] plain = plaintext(rnd, 1 + rnd.nextInt(300));
            ByteBuffer wire = encrypt(enc, plain);
            if (rnd.nextInt(10) == 0) {
                continue; // lost, flushed or not
            }
            MppeDecryptResult r = dec.decrypt(wire);
            switch (r) {
                case DELIVERED -> {
                    assertArrayEquals(plain, remaining(wire), "packet " + i);
                    delivered++;
                }
                // The CCP layer sends a Reset-Request; pppd repeats it while packets are still
                // being discarded, which the second case stands for.
                case RESET_REQUIRED, DROPPED_AWAITING_FLUSH -> enc.resetRequested();
                default -> throw new AssertionError("unexpected " + r + " at packet " + i);
            }
        }
        assertTrue(dec.count(MppeDecryptResult.RESET_REQUIRED) > 300, "about one gap per ten packets");
        assertTrue(delivered > 7_000, "resets cost about one packet each: " + delivered);

        // And a clean stretch afterwards is delivered in full.
        for (int i = 0; i < 600; i++) {
            byte[] plain = plaintext(rnd, 64);
            ByteBuffer wire = encrypt(enc, plain);
            MppeDecryptResult r = dec.decrypt(wire);
            if (r == MppeDecryptResult.RESET_REQUIRED || r == MppeDecryptResult.DROPPED_AWAITING_FLUSH) {
                enc.resetRequested();
                continue;
            }
            assertEquals(MppeDecryptResult.DELIVERED, r);
            assertArrayEquals(plain, remaining(wire));
        }
        assertFalse(dec.awaitingFlush());
    }

    @Test
    void lostFlushedPacketIsRecoveredByTheNextFlagPacket() {
        // The reset's flushed packet is lost and the Reset-Request is not repeated: the next flag
        // packet (count 255) must resynchronise, with the right key.
        Random rnd = new Random(10);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        for (int i = 0; i < 100; i++) {
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 50))));
        }
        encrypt(enc, plaintext(rnd, 50)); // count 100 lost
        assertEquals(MppeDecryptResult.RESET_REQUIRED, dec.decrypt(encrypt(enc, plaintext(rnd, 50))));
        enc.resetRequested();
        ByteBuffer flushed = encrypt(enc, plaintext(rnd, 50));
        assertTrue((flushed.get(0) & MppeHeader.FLUSHED) != 0);
        // ... and lost too. Everything up to the flag packet is discarded.
        for (int count = 103; count < 255; count++) {
            assertEquals(MppeDecryptResult.DROPPED_AWAITING_FLUSH, dec.decrypt(encrypt(enc, plaintext(rnd, 50))));
        }
        for (int count = 255; count < 600; count++) {
            byte[] plain = plaintext(rnd, 50);
            ByteBuffer wire = encrypt(enc, plain);
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire), "count " + count);
            assertArrayEquals(plain, remaining(wire));
        }
    }

    @Test
    void lossAcrossSeveralFlagPacketsCatchesUpOnKeyChanges() {
        Random rnd = new Random(11);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 20))));
        for (int i = 1; i < 1000; i++) {
            encrypt(enc, plaintext(rnd, 20)); // counts 1..999 lost: flags 255, 511, 767 missed
        }
        assertEquals(MppeDecryptResult.RESET_REQUIRED, dec.decrypt(encrypt(enc, plaintext(rnd, 20))));
        enc.resetRequested();
        byte[] plain = plaintext(rnd, 20);
        ByteBuffer wire = encrypt(enc, plain);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire));
        assertArrayEquals(plain, remaining(wire));
        assertEquals(enc.keyChanges(), dec.keyChanges());
    }

    @Test
    void flagPacketWithoutTheABitIsStillAKeyChange() {
        // A sender that does not mark flag packets flushed (FreeBSD's ppp) still changes the key
        // there; the count alone says so.
        Random rnd = new Random(12);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        for (int i = 0; i < 300; i++) {
            byte[] plain = plaintext(rnd, 40);
            ByteBuffer wire = encrypt(enc, plain);
            if (i == 255) {
                wire.put(0, (byte) (wire.get(0) & ~MppeHeader.FLUSHED));
            }
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire), "count " + i);
            assertArrayEquals(plain, remaining(wire));
        }
    }

    @Test
    void countWrapsAt4096InBothModes() {
        for (boolean stateless : new boolean[] {true, false}) {
            Random rnd = new Random(13);
            MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, stateless);
            MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, stateless);
            int last = -1;
            for (int i = 0; i < 4100; i++) {
                byte[] plain = plaintext(rnd, 10);
                ByteBuffer out = ByteBuffer.allocate(12);
                last = enc.encrypt(ByteBuffer.wrap(plain), out);
                out.flip();
                assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(out));
                assertArrayEquals(plain, remaining(out));
            }
            assertEquals(4099 - 4096, last);
        }
    }

    @Test
    void forgedFarAheadCountIsRefusedWithoutKeyChanges() {
        Random rnd = new Random(14);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 30)))); // count 0
        long keyChanges = dec.keyChanges();
        ByteBuffer forged = encrypt(enc, plaintext(rnd, 30)); // count 1, rewritten to 2049 ahead of 0
        forged.put(0, (byte) ((forged.get(0) & 0xF0) | (2049 >> 8)));
        forged.put(1, (byte) 2049);
        assertEquals(MppeDecryptResult.DROPPED_LATE, dec.decrypt(forged));
        assertEquals(keyChanges, dec.keyChanges(), "no key change for a refused count");
        byte[] plain = plaintext(rnd, 30);
        ByteBuffer next = encrypt(enc, plain); // count 2: the real stream goes on
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(next));
        assertArrayEquals(plain, remaining(next));
    }

    @Test
    void forgedFlushedCountInStatefulModeIsBounded() {
        Random rnd = new Random(15);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        for (int i = 0; i < 10; i++) {
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 30))));
        }
        ByteBuffer forged = encrypt(enc, plaintext(rnd, 30));
        int behind = (10 - 5) & MppeHeader.COUNT_MASK;
        forged.put(0, (byte) (MppeHeader.ENCRYPTED | MppeHeader.FLUSHED | (behind >> 8)));
        forged.put(1, (byte) behind);
        long keyChanges = dec.keyChanges();
        assertEquals(MppeDecryptResult.DROPPED_LATE, dec.decrypt(forged));
        assertEquals(keyChanges, dec.keyChanges());
    }

    @Test
    void packetWithoutTheEncryptedBitIsDropped() {
        Random rnd = new Random(16);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true);
        ByteBuffer wire = encrypt(enc, plaintext(rnd, 30));
        byte[] before = remaining(wire);
        wire.put(0, (byte) (wire.get(0) & ~MppeHeader.ENCRYPTED));
        before[0] = wire.get(0);
        assertEquals(MppeDecryptResult.DROPPED_NOT_ENCRYPTED, dec.decrypt(wire));
        assertArrayEquals(before, remaining(wire), "a dropped packet is left as it was");
        byte[] plain = plaintext(rnd, 30);
        ByteBuffer next = encrypt(enc, plain);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(next));
        assertArrayEquals(plain, remaining(next));
    }

    @Test
    void statelessPacketWithoutTheFlushedBitIsDropped() {
        Random rnd = new Random(17);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true);
        ByteBuffer wire = encrypt(enc, plaintext(rnd, 30));
        wire.put(0, (byte) (wire.get(0) & ~MppeHeader.FLUSHED));
        assertEquals(MppeDecryptResult.DROPPED_NOT_FLUSHED, dec.decrypt(wire));
    }

    @Test
    void compressedOrEmptyPacketsAreDropped() {
        Random rnd = new Random(18);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true);
        ByteBuffer wire = encrypt(enc, plaintext(rnd, 30));
        wire.put(0, (byte) (wire.get(0) | MppeHeader.COMPRESSED));
        assertEquals(MppeDecryptResult.DROPPED_COMPRESSED, dec.decrypt(wire));
        assertEquals(MppeDecryptResult.DROPPED_TOO_SHORT, dec.decrypt(ByteBuffer.wrap(new byte[] {(byte) 0x90, 1})));
    }

    @Test
    void repeatedBadPacketsAskForTheLinkToBeDropped() {
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true, 3);
        ByteBuffer bogus = ByteBuffer.wrap(new byte[] {0x00, 0x01, 0x55, 0x66});
        assertEquals(MppeDecryptResult.DROPPED_NOT_ENCRYPTED, dec.decrypt(bogus.duplicate()));
        assertEquals(MppeDecryptResult.DROPPED_NOT_ENCRYPTED, dec.decrypt(bogus.duplicate()));
        assertEquals(MppeDecryptResult.LINK_FAILURE, dec.decrypt(bogus.duplicate()));
        assertEquals(3, dec.count(MppeDecryptResult.DROPPED_NOT_ENCRYPTED));
        assertEquals(1, dec.count(MppeDecryptResult.LINK_FAILURE));

        MppeDecryptor defaults = new MppeDecryptor(START, MppeStrength.BITS_128, true);
        for (int i = 1; i < MppeDecryptor.DEFAULT_MAX_BAD_PACKETS; i++) {
            assertEquals(MppeDecryptResult.DROPPED_NOT_ENCRYPTED, defaults.decrypt(bogus.duplicate()));
        }
        assertEquals(MppeDecryptResult.LINK_FAILURE, defaults.decrypt(bogus.duplicate()));
    }

    @Test
    void goodPacketsBetweenBadOnesKeepTheLinkUp() {
        Random rnd = new Random(19);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true, 3);
        ByteBuffer bogus = ByteBuffer.wrap(new byte[] {0x00, 0x01, 0x55, 0x66});
        for (int i = 0; i < 100; i++) {
            assertEquals(MppeDecryptResult.DROPPED_NOT_ENCRYPTED, dec.decrypt(bogus.duplicate()));
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 20))));
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 20))));
        }
        assertEquals(0, dec.count(MppeDecryptResult.LINK_FAILURE));
    }

    @Test
    void resetRequestsBeforeTheNextPacketMeanOneFlush() {
        Random rnd = new Random(20);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        encrypt(enc, plaintext(rnd, 10));
        enc.resetRequested();
        enc.resetRequested();
        assertTrue((encrypt(enc, plaintext(rnd, 10)).get(0) & MppeHeader.FLUSHED) != 0);
        assertFalse((encrypt(enc, plaintext(rnd, 10)).get(0) & MppeHeader.FLUSHED) != 0);
        assertEquals(0, enc.keyChanges(), "a reset re-initialises RC4 but does not change the key");
    }
}
