package org.homerouter.pptp.mppe;

import static org.homerouter.pptp.mppe.MppeTestPackets.START;
import static org.homerouter.pptp.mppe.MppeTestPackets.encrypt;
import static org.homerouter.pptp.mppe.MppeTestPackets.ipv4Plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.remaining;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * The budget for trying stateless jumps (RFC 3078 §8.1): a forged count up to 2,048 ahead costs a
 * key change per count to check, so forged ones must not keep the (shared) receive loop busy,
 * while genuine losses of up to 2,047 packets still resynchronise.
 */
class MppeJumpBudgetTest {
    private static final MppeStrength BITS_128 = MppeStrength.BITS_128;

    private static MppeDecryptor decryptor(Clock clock) {
        return new MppeDecryptor(START, BITS_128, true, MppeDecryptor.DEFAULT_MAX_BAD_PACKETS, true, clock);
    }

    /** A packet from someone without the key: a flushed, encrypted header with {@code count}. */
    private static ByteBuffer forged(Random rnd, int count) {
        ByteBuffer wire = encrypt(new MppeEncryptor(new byte[16], BITS_128, true), ipv4Plaintext(rnd, 60));
        wire.put(0, (byte) ((wire.get(0) & 0xF0) | ((count >> 8) & 0x0F)));
        wire.put(1, (byte) count);
        return wire;
    }

    private static void assertDelivered(MppeDecryptor dec, MppeEncryptor enc, Random rnd, String what) {
        byte[] plain = ipv4Plaintext(rnd, 22 + rnd.nextInt(200));
        ByteBuffer wire = encrypt(enc, plain);
        assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire), what);
        assertArrayEquals(plain, remaining(wire), what);
    }

    @Test
    void forgedFarAheadCountsCostAtMostTheBudgetAndTheGenuineStreamGoesOn() {
        // The review's attack: 8 forged packets at count+2048 for every genuine one. Each cost
        // 2,048 key changes to check (2 ms on x86), and the sanity score, halved by every genuine
        // packet, never reached the limit: 16 million key changes for these 8,000 packets.
        Random rnd = new Random(1);
        ManualClock clock = new ManualClock();
        MppeEncryptor enc = new MppeEncryptor(START, BITS_128, true);
        MppeDecryptor dec = decryptor(clock);
        int rounds = 1_000;
        for (int round = 0; round < rounds; round++) {
            assertDelivered(dec, enc, rnd, "genuine packet " + round);
            for (int i = 0; i < 8; i++) {
                MppeDecryptResult r = dec.decrypt(forged(rnd, (round + 2048) & MppeHeader.COUNT_MASK));
                assertTrue(r == MppeDecryptResult.DROPPED_UNVERIFIED_JUMP || r == MppeDecryptResult.DROPPED_JUMP_OVER_BUDGET,
                        "round " + round + ": " + r);
            }
            clock.advanceMillis(1);
        }
        long budget = MppeDecryptor.TRIAL_BURST + rounds * 1_000_000L / MppeDecryptor.TRIAL_REFILL_NANOS;
        System.out.println("MppeJumpBudgetTest: " + dec.keyChangesUndone() + " key changes undone for "
                + rounds * 8 + " forged packets (budget " + budget + ")");
        assertTrue(dec.keyChangesUndone() <= budget, dec.keyChangesUndone() + " key changes for forged counts");
        assertEquals(rounds, dec.count(MppeDecryptResult.DELIVERED));
        assertEquals(0, dec.count(MppeDecryptResult.LINK_FAILURE));
        assertEquals(rounds * 8, dec.count(MppeDecryptResult.DROPPED_UNVERIFIED_JUMP)
                + dec.count(MppeDecryptResult.DROPPED_JUMP_OVER_BUDGET));
        assertEquals(enc.keyChanges(), dec.keyChanges(), "on the sender's key");
    }

    @Test
    void genuineLossesResynchroniseAndCostNoBudget() {
        // No time passes: a jump that checks out is not paid from the budget, however many.
        Random rnd = new Random(2);
        MppeEncryptor enc = new MppeEncryptor(START, BITS_128, true);
        MppeDecryptor dec = decryptor(new ManualClock());
        assertDelivered(dec, enc, rnd, "first");
        for (int loss = 0; loss < 20; loss++) {
            for (int i = 0; i < (loss % 2 == 0 ? 1_000 : 2_047); i++) {
                encrypt(enc, ipv4Plaintext(rnd, 40)); // lost on the way
            }
            assertDelivered(dec, enc, rnd, "after loss " + loss);
            assertDelivered(dec, enc, rnd, "the one after");
        }
        assertEquals(0, dec.keyChangesUndone());
        assertEquals(0, dec.count(MppeDecryptResult.DROPPED_JUMP_OVER_BUDGET));
        assertEquals(enc.keyChanges(), dec.keyChanges());
    }

    @Test
    void aGenuineFullJumpStillResynchronisesAfterAForgedOne() {
        Random rnd = new Random(3);
        MppeEncryptor enc = new MppeEncryptor(START, BITS_128, true);
        MppeDecryptor dec = decryptor(new ManualClock());
        assertDelivered(dec, enc, rnd, "first"); // count 0
        assertEquals(MppeDecryptResult.DROPPED_UNVERIFIED_JUMP, dec.decrypt(forged(rnd, 2048)));
        for (int i = 0; i < 2_047; i++) {
            encrypt(enc, ipv4Plaintext(rnd, 40)); // lost on the way
        }
        assertDelivered(dec, enc, rnd, "count 2048, after a loss of 2,047");
    }

    @Test
    void overBudgetAGenuineJumpWaitsForTheBudgetToRefill() {
        Random rnd = new Random(4);
        ManualClock clock = new ManualClock();
        MppeEncryptor enc = new MppeEncryptor(START, BITS_128, true);
        MppeDecryptor dec = decryptor(clock);
        assertDelivered(dec, enc, rnd, "first"); // count 0
        assertEquals(MppeDecryptResult.DROPPED_UNVERIFIED_JUMP, dec.decrypt(forged(rnd, 2048)));
        assertEquals(MppeDecryptResult.DROPPED_UNVERIFIED_JUMP, dec.decrypt(forged(rnd, 2048)));
        assertEquals(MppeDecryptResult.DROPPED_JUMP_OVER_BUDGET, dec.decrypt(forged(rnd, 2048)));
        // The first tried 2,048 and 4,096 more (a loss the count went round); the second had
        // only the 2,048 left of the budget.
        assertEquals(MppeDecryptor.TRIAL_BURST, dec.keyChangesUndone());
        encrypt(enc, ipv4Plaintext(rnd, 40)); // count 1, lost
        ByteBuffer second = encrypt(enc, ipv4Plaintext(rnd, 40)); // count 2: ahead 2, no budget left
        assertEquals(MppeDecryptResult.DROPPED_JUMP_OVER_BUDGET, dec.decrypt(second));
        clock.advance(Duration.ofNanos(3 * MppeDecryptor.TRIAL_REFILL_NANOS));
        assertDelivered(dec, enc, rnd, "count 3, ahead 3, once the budget holds 3 key changes");
        assertEquals(MppeDecryptor.TRIAL_BURST, dec.keyChangesUndone());
        assertEquals(0, dec.count(MppeDecryptResult.LINK_FAILURE));
        assertEquals(enc.keyChanges(), dec.keyChanges());
    }

    @Test
    void inOrderPacketsDoNotReadTheClock() {
        AtomicLong reads = new AtomicLong();
        Clock counting = () -> {
            reads.incrementAndGet();
            return 0;
        };
        Random rnd = new Random(5);
        MppeEncryptor enc = new MppeEncryptor(START, BITS_128, true);
        MppeDecryptor dec = decryptor(counting);
        long atStart = reads.get();
        for (int i = 0; i < 5_000; i++) {
            assertDelivered(dec, enc, rnd, "packet " + i);
        }
        assertEquals(atStart, reads.get());
    }
}
