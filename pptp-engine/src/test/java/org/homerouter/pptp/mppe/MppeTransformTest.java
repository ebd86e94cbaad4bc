package org.homerouter.pptp.mppe;

import static org.homerouter.pptp.mppe.MppeTestPackets.START;
import static org.homerouter.pptp.mppe.MppeTestPackets.encrypt;
import static org.homerouter.pptp.mppe.MppeTestPackets.ipv4Plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.remaining;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** MppeEncryptor and MppeDecryptor against each other: round trips, stateless loss and hostile input. */
class MppeTransformTest {
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
            byte[] plain = ipv4Plaintext(rnd, 22 + rnd.nextInt(180));
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

        byte[] early = ipv4Plaintext(rnd, 30);
        byte[] late = ipv4Plaintext(rnd, 30);
        ByteBuffer first = encrypt(enc, early);
        ByteBuffer second = encrypt(enc, late);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(second));
        assertEquals(MppeDecryptResult.DROPPED_LATE, dec.decrypt(first), "reordered: already keyed past it");
        ByteBuffer replay = encrypt(enc, late);
        ByteBuffer copy = ByteBuffer.wrap(remaining(replay));
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(replay));
        assertEquals(MppeDecryptResult.DROPPED_LATE, dec.decrypt(copy), "a duplicate is not decrypted twice");
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
        assertEquals(MppeDecryptResult.DROPPED_UNVERIFIED_JUMP, dec.decrypt(forged));
        assertEquals(keyChanges, dec.keyChanges(), "no key change for a refused count");
        ByteBuffer behind = encrypt(new MppeEncryptor(START, MppeStrength.BITS_128, true), plaintext(rnd, 30));
        behind.put(0, (byte) ((behind.get(0) & 0xF0) | (4000 >> 8)));
        behind.put(1, (byte) 4000); // 96 behind count 0: late, not tried
        assertEquals(MppeDecryptResult.DROPPED_LATE, dec.decrypt(behind));
        assertEquals(0, dec.keyChangesUndone() - 2049 - 4096, "a late count is not tried");
        byte[] plain = ipv4Plaintext(rnd, 30);
        ByteBuffer next = encrypt(enc, plain); // count 2: the real stream goes on
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(next));
        assertArrayEquals(plain, remaining(next));
    }

    @Test
    void aForgedCountAheadWithinTheWindowIsNotFollowedAndTheGenuineStreamGoesOn() {
        // The MPPE header is in clear: one packet with a count 1,000 ahead, from anyone who knows
        // the call ID and the client's address, made every genuine packet after it "late" for
        // 1,000 counts. Its key does not decrypt it to an IPv4 packet, so it is not followed.
        Random rnd = new Random(15);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, ipv4Plaintext(rnd, 60)))); // count 0
        long keyChanges = dec.keyChanges();
        ByteBuffer forged = encrypt(new MppeEncryptor(START, MppeStrength.BITS_128, true), ipv4Plaintext(rnd, 60));
        forged.put(0, (byte) ((forged.get(0) & 0xF0) | (1000 >> 8)));
        forged.put(1, (byte) 1000);
        assertEquals(MppeDecryptResult.DROPPED_UNVERIFIED_JUMP, dec.decrypt(forged));
        assertEquals(keyChanges, dec.keyChanges(), "the key is as it was");
        for (int i = 0; i < 20; i++) {
            byte[] plain = ipv4Plaintext(rnd, 22 + rnd.nextInt(100));
            ByteBuffer next = encrypt(enc, plain); // counts 1, 2, ...
            if (i % 3 == 0) {
                continue; // lost on the way: genuine jumps are still followed
            }
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(next), "genuine packet " + i);
            assertArrayEquals(plain, remaining(next));
        }
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
        byte[] plain = ipv4Plaintext(rnd, 30);
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
    void statefulFlagPacketWithoutTheFlushedBitIsABogusPacket() {
        // Linux ppp_mppe.c: a stateful sender re-keys at every flag packet and says so with A; a
        // flag packet without it cannot be decrypted with the right key.
        Random rnd = new Random(21);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false, 2);
        for (int i = 0; i < 255; i++) {
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 40))));
        }
        ByteBuffer flag = encrypt(enc, plaintext(rnd, 40));
        assertEquals(0xFF, flag.get(1) & 0xFF);
        flag.put(0, (byte) (flag.get(0) & ~MppeHeader.FLUSHED));
        assertEquals(MppeDecryptResult.DROPPED_FLAG_NOT_FLUSHED, dec.decrypt(flag.duplicate()));
        assertEquals(MppeDecryptResult.LINK_FAILURE, dec.decrypt(flag), "100 points each, limit 200");
    }

    @Test
    void shortPacketsAreDroppedWithoutEndingTheLink() {
        // Linux drops a packet without an encrypted octet but does not count it as bogus.
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true, 1);
        for (int i = 0; i < 100; i++) {
            assertEquals(MppeDecryptResult.DROPPED_TOO_SHORT, dec.decrypt(ByteBuffer.wrap(new byte[] {(byte) 0x90, 1})));
        }
        assertEquals(0, dec.count(MppeDecryptResult.LINK_FAILURE));
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
}
