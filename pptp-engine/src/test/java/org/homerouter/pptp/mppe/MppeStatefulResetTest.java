package org.homerouter.pptp.mppe;

import static org.homerouter.pptp.mppe.MppeTestPackets.START;
import static org.homerouter.pptp.mppe.MppeTestPackets.encrypt;
import static org.homerouter.pptp.mppe.MppeTestPackets.flushed;
import static org.homerouter.pptp.mppe.MppeTestPackets.plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.remaining;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Stateful MPPE's recovery from loss (RFC 3078 §8.2, as Linux's ppp_mppe.c implements it): the
 * receiver asks for a reset, the sender re-keys and flushes its next packet, the receiver resumes.
 */
class MppeStatefulResetTest {

    /**
     * A link losing 1 packet in 10. A gap makes the decryptor ask for a reset once, the CCP
     * Reset-Request reaches the encryptor, and its next packet resynchronises the decryptor, so
     * each loss costs exactly the packet that revealed it. The flushed packet answering a reset is
     * never lost here: Linux's scheme cannot survive that (see
     * MppeLinuxInteropTest#lostResetAnswerDesynchronisesUsExactlyAsItDoesLinux). Every delivered
     * packet must be what was sent: RC4 has no integrity check, a desync would deliver garbage.
     */
    @Test
    void oneLossInTenRecoversThroughResetRequests() {
        Random rnd = new Random(9);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        int sent = 20_000;
        int lost = 0;
        int resets = 0;
        for (int i = 0; i < sent; i++) {
            byte[] plain = plaintext(rnd, 1 + rnd.nextInt(300));
            ByteBuffer wire = encrypt(enc, plain);
            boolean answersReset = dec.awaitingFlush() && flushed(remaining(wire));
            if (!answersReset && rnd.nextInt(10) == 0) {
                lost++;
                continue;
            }
            MppeDecryptResult r = dec.decrypt(wire);
            switch (r) {
                case DELIVERED -> assertArrayEquals(plain, remaining(wire), "packet " + i);
                case RESET_REQUIRED -> {
                    resets++;
                    enc.resetRequested(); // CCP Reset-Request, answered with Reset-Ack
                }
                default -> throw new AssertionError("unexpected " + r + " at packet " + i);
            }
        }
        assertTrue(resets > 1_500, "about one gap per ten packets: " + resets);
        assertEquals(sent - lost - resets, dec.count(MppeDecryptResult.DELIVERED), "one packet per reset");
        assertEquals(enc.keyChanges(), dec.keyChanges(), "both ends on the same key");
        assertFalse(dec.awaitingFlush());
    }

    @Test
    void theFirstPacketAfterAResetIsFlushedAndReKeyed() {
        Random rnd = new Random(20);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        assertFalse(flushed(remaining(encrypt(enc, plaintext(rnd, 10)))), "Linux does not flush count 0");
        enc.resetRequested();
        enc.resetRequested(); // a repeated Reset-Request after a lost Reset-Ack
        assertTrue(flushed(remaining(encrypt(enc, plaintext(rnd, 10)))));
        assertEquals(1, enc.keyChanges(), "one key change however many Requests came before the packet");
        assertFalse(flushed(remaining(encrypt(enc, plaintext(rnd, 10)))));
        assertEquals(1, enc.keyChanges());
    }

    @Test
    void aResetOnAFlagPacketIsOneKeyChange() {
        Random rnd = new Random(22);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        for (int i = 0; i < 255; i++) {
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 20))));
        }
        enc.resetRequested();
        byte[] plain = plaintext(rnd, 20);
        ByteBuffer flag = encrypt(enc, plain); // count 255
        assertEquals(1, enc.keyChanges());
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(flag));
        assertArrayEquals(plain, remaining(flag));
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
        assertEquals(4, dec.keyChanges(), "three missed flag packets and the reset");
        assertEquals(enc.keyChanges(), dec.keyChanges());
    }

    @Test
    void aLostResetRequestIsHealedByTheNextFlagPacket() {
        // The Reset-Request never reaches the sender; its next flag packet is flushed anyway.
        Random rnd = new Random(23);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        for (int i = 0; i < 100; i++) {
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 20))));
        }
        encrypt(enc, plaintext(rnd, 20)); // count 100 lost
        assertEquals(MppeDecryptResult.RESET_REQUIRED, dec.decrypt(encrypt(enc, plaintext(rnd, 20))));
        for (int count = 102; count < 255; count++) {
            MppeDecryptResult r = dec.decrypt(encrypt(enc, plaintext(rnd, 20)));
            assertEquals(MppeDecryptResult.DROPPED_AWAITING_FLUSH, r);
            assertTrue(r.wantsReset(), "CCP keeps being told, so it can repeat the Reset-Request");
        }
        for (int count = 255; count < 600; count++) {
            byte[] plain = plaintext(rnd, 20);
            ByteBuffer wire = encrypt(enc, plain);
            assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire), "count " + count);
            assertArrayEquals(plain, remaining(wire));
        }
    }

    @Test
    void aReorderedPacketCostsAReset() {
        // Linux's stateful receiver expects exactly the next count; anything else is a loss.
        Random rnd = new Random(24);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(encrypt(enc, plaintext(rnd, 20))));
        ByteBuffer first = encrypt(enc, plaintext(rnd, 20));
        ByteBuffer second = encrypt(enc, plaintext(rnd, 20));
        assertEquals(MppeDecryptResult.RESET_REQUIRED, dec.decrypt(second));
        assertEquals(MppeDecryptResult.DROPPED_AWAITING_FLUSH, dec.decrypt(first));
        enc.resetRequested();
        byte[] plain = plaintext(rnd, 20);
        ByteBuffer wire = encrypt(enc, plain);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire));
        assertArrayEquals(plain, remaining(wire));
    }

    @Test
    void aForgedFlushedCountCostsAtMostFifteenKeyChanges() {
        Random rnd = new Random(15);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        encrypt(enc, plaintext(rnd, 20)); // from here on no packet carries the count 0 a fresh decryptor expects
        for (int forged = 0; forged < MppeHeader.COUNT_SPACE; forged += 37) {
            MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
            assertEquals(MppeDecryptResult.RESET_REQUIRED, dec.decrypt(encrypt(enc, plaintext(rnd, 20))));
            ByteBuffer wire = encrypt(enc, plaintext(rnd, 20));
            wire.put(0, (byte) (MppeHeader.ENCRYPTED | MppeHeader.FLUSHED | (forged >> 8)));
            wire.put(1, (byte) forged);
            dec.decrypt(wire);
            assertTrue(dec.keyChanges() <= 16, "count " + forged + ": " + dec.keyChanges());
        }
    }
}
