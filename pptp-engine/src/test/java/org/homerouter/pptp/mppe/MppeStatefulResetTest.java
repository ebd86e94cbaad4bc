package org.homerouter.pptp.mppe;

import static org.homerouter.pptp.mppe.MppeTestPackets.START;
import static org.homerouter.pptp.mppe.MppeTestPackets.encrypt;
import static org.homerouter.pptp.mppe.MppeTestPackets.flushed;
import static org.homerouter.pptp.mppe.MppeTestPackets.ipv4Plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.remaining;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;

import org.homerouter.pptp.ppp.ccp.CcpResult;
import org.junit.jupiter.api.Test;

/**
 * Stateful MPPE's recovery from loss (RFC 3078 §8.2, as Linux's ppp_mppe.c implements it): the
 * receiver asks for a reset, the sender re-keys and flushes its next packet, the receiver resumes.
 */
class MppeStatefulResetTest {
    private static final byte[] NT_HASH = HexFormat.of().parseHex("44EBBA8D5312B8D611474411F56989AE");
    private static final byte[] NT_RESPONSE =
            HexFormat.of().parseHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    private static final CcpResult STATEFUL_128 = new CcpResult(MppeStrength.BITS_128, false);

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

    /**
     * Two forged packets with the call ID and the client's address (the MPPE header is in clear):
     * one with a wrong count, which puts the decryptor in its discard state (RFC 3078 §8.2), then a
     * flushed one with a count in another block of 256. Followed, the second moved the session's
     * decryptor up to 19 keys ahead of the client, for good (keys only go forward, RFC 3078
     * §7.3): the client's packets all decrypted to garbage from then on, and the link stayed up
     * carrying nothing until the user reconnected. Now the forged packet is refused, and the
     * client's answer to the Reset-Request brings the link back, every packet what was sent.
     * The decryptor is the one a session gets ({@link CcpResult#newDecryptor}).
     */
    @Test
    void twoForgedPacketsNoLongerPutTheSessionOutOfStep() {
        Random rnd = new Random(26);
        for (int block = 0; block < MppeHeader.COUNT_SPACE >> 8; block++) {
            MppeEncryptor client = STATEFUL_128.newEncryptor(MppeStartKeys.forClient(NT_HASH, NT_RESPONSE));
            MppeDecryptor server = STATEFUL_128.newDecryptor(MppeStartKeys.forServer(NT_HASH, NT_RESPONSE));
            // Past the first flag packet (count 255), whose key change checks out.
            assertEquals(300, exchange(client, server, rnd, 300, "block " + block + ", before"));
            // The first forged packet: the count after the next one, no A bit.
            assertEquals(MppeDecryptResult.RESET_REQUIRED, server.decrypt(forged(rnd, MppeHeader.ENCRYPTED, 301)));
            client.resetRequested(); // the session's CCP sends the Reset-Request, the client acks
            MppeDecryptResult second = server.decrypt(
                    forged(rnd, MppeHeader.ENCRYPTED | MppeHeader.FLUSHED, (block << 8) | rnd.nextInt(0xFF)));
            assertEquals(300, exchange(client, server, rnd, 300, "block " + block + ", after"),
                    "block " + block + ": the client's answer to the reset resynchronises");
            assertFalse(second.delivered(), "block " + block + ": the forged flushed packet is refused");
            assertEquals(client.keyChanges(), server.keyChanges(), "block " + block);
        }
    }

    /**
     * A forged flushed packet that guesses the next count (or sees it) passes the count check,
     * and followed it would move the key just the same; it is refused and treated as a loss.
     */
    @Test
    void aForgedFlushedPacketWithTheNextCountIsTreatedAsALoss() {
        Random rnd = new Random(27);
        MppeEncryptor client = STATEFUL_128.newEncryptor(MppeStartKeys.forClient(NT_HASH, NT_RESPONSE));
        MppeDecryptor server = STATEFUL_128.newDecryptor(MppeStartKeys.forServer(NT_HASH, NT_RESPONSE));
        assertEquals(100, exchange(client, server, rnd, 100, "before"));
        MppeDecryptResult forged = server.decrypt(forged(rnd, MppeHeader.ENCRYPTED | MppeHeader.FLUSHED, 100));
        boolean lossAssumed = server.awaitingFlush();
        // The client's count 100 is dropped and makes CCP ask for a reset; then all is delivered.
        assertEquals(399, exchange(client, server, rnd, 400, "after"));
        assertFalse(forged.delivered());
        assertTrue(lossAssumed, "as if count 100 had been lost");
        assertEquals(client.keyChanges(), server.keyChanges());
    }

    /**
     * A session only carries IPv4, but should a genuine flushed packet be something else (here
     * IPv6, which the session would drop anyway), refusing it costs one more reset. A flag packet:
     * the answer to the reset is found with Linux's key changes (one for the flag packet missed,
     * one for the reset).
     */
    @Test
    void aGenuineFlagPacketThatIsNotIpv4CostsOneMoreReset() {
        Random rnd = new Random(28);
        MppeEncryptor client = STATEFUL_128.newEncryptor(MppeStartKeys.forClient(NT_HASH, NT_RESPONSE));
        MppeDecryptor server = STATEFUL_128.newDecryptor(MppeStartKeys.forServer(NT_HASH, NT_RESPONSE));
        assertEquals(255, exchange(client, server, rnd, 255, "before"));
        ByteBuffer flag = encrypt(client, ipv6Plaintext(rnd)); // count 255: flushed, with a key change
        assertTrue(flushed(remaining(flag)));
        assertEquals(MppeDecryptResult.DROPPED_UNVERIFIED_FLUSH, server.decrypt(flag));
        MppeDecryptResult r = server.decrypt(encrypt(client, ipv4Plaintext(rnd, 60)));
        assertEquals(MppeDecryptResult.DROPPED_AWAITING_FLUSH, r);
        assertTrue(r.wantsReset());
        client.resetRequested();
        assertEquals(300, exchange(client, server, rnd, 300, "after"));
        assertEquals(client.keyChanges(), server.keyChanges());
        assertEquals(0, server.resynchronisedBeyondLinux());
    }

    /** The same for the answer to a reset: the next answer is found one key change beyond Linux's. */
    @Test
    void aGenuineResetAnswerThatIsNotIpv4CostsOneMoreReset() {
        Random rnd = new Random(30);
        MppeEncryptor client = STATEFUL_128.newEncryptor(MppeStartKeys.forClient(NT_HASH, NT_RESPONSE));
        MppeDecryptor server = STATEFUL_128.newDecryptor(MppeStartKeys.forServer(NT_HASH, NT_RESPONSE));
        assertEquals(50, exchange(client, server, rnd, 50, "before"));
        encrypt(client, ipv4Plaintext(rnd, 60)); // count 50 lost
        assertEquals(MppeDecryptResult.RESET_REQUIRED, server.decrypt(encrypt(client, ipv4Plaintext(rnd, 60))));
        client.resetRequested();
        ByteBuffer answer = encrypt(client, ipv6Plaintext(rnd));
        assertTrue(flushed(remaining(answer)));
        assertEquals(MppeDecryptResult.DROPPED_UNVERIFIED_FLUSH, server.decrypt(answer));
        assertTrue(server.awaitingFlush());
        assertEquals(299, exchange(client, server, rnd, 300, "after"), "one packet more for the second reset");
        assertEquals(client.keyChanges(), server.keyChanges());
        assertEquals(1, server.resynchronisedBeyondLinux());
    }

    /**
     * Forged flushed packets cost what stateless mode's unverified jumps cost: 16 in a row end
     * the link (as 16 packets without the D bit already do), rather than leave it up on a wrong key.
     */
    @Test
    void forgedFlushedPacketsAreWeightedAsBogus() {
        Random rnd = new Random(29);
        MppeDecryptor server = STATEFUL_128.newDecryptor(MppeStartKeys.forServer(NT_HASH, NT_RESPONSE));
        assertEquals(MppeDecryptResult.RESET_REQUIRED, server.decrypt(forged(rnd, MppeHeader.ENCRYPTED, 7)));
        for (int i = 1; i < MppeDecryptor.DEFAULT_MAX_BAD_PACKETS; i++) {
            assertEquals(MppeDecryptResult.DROPPED_UNVERIFIED_FLUSH,
                    server.decrypt(forged(rnd, MppeHeader.ENCRYPTED | MppeHeader.FLUSHED, rnd.nextInt(0xFF) << 4)));
        }
        assertEquals(MppeDecryptResult.LINK_FAILURE,
                server.decrypt(forged(rnd, MppeHeader.ENCRYPTED | MppeHeader.FLUSHED, 0x123)));
        assertEquals(MppeDecryptor.DEFAULT_MAX_BAD_PACKETS, server.count(MppeDecryptResult.DROPPED_UNVERIFIED_FLUSH));
        assertEquals(0, server.keyChanges());
        assertTrue(server.awaitingFlush());
    }

    /**
     * {@code packets} IPv4 packets from the client to the server, resets asked for as the session's
     * CCP does; every packet delivered must be what was sent.
     *
     * @return how many were delivered
     */
    private static int exchange(MppeEncryptor client, MppeDecryptor server, Random rnd, int packets, String what) {
        int delivered = 0;
        for (int i = 0; i < packets; i++) {
            byte[] plain = ipv4Plaintext(rnd, 22 + rnd.nextInt(200));
            ByteBuffer wire = encrypt(client, plain);
            MppeDecryptResult r = server.decrypt(wire);
            if (r.delivered()) {
                assertArrayEquals(plain, remaining(wire), what + ": the client's packet " + i);
                delivered++;
            } else if (r.wantsReset()) {
                client.resetRequested();
            }
        }
        return delivered;
    }

    /** A PPP IPv6 frame (protocol 0x0057, version 6) of 62 octets. */
    private static byte[] ipv6Plaintext(Random rnd) {
        byte[] p = plaintext(rnd, 62);
        p[1] = 0x57;
        p[2] = 0x60;
        return p;
    }

    /** A packet as an attacker who does not know the key sends it: the header, then random octets. */
    private static ByteBuffer forged(Random rnd, int bits, int count) {
        byte[] wire = new byte[2 + 22 + rnd.nextInt(200)];
        rnd.nextBytes(wire);
        wire[0] = (byte) (bits | (count >>> 8));
        wire[1] = (byte) count;
        return ByteBuffer.wrap(wire);
    }
}
