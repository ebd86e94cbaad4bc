package org.homerouter.pptp.mppe;

import static org.homerouter.pptp.mppe.MppeTestPackets.START;
import static org.homerouter.pptp.mppe.MppeTestPackets.encrypt;
import static org.homerouter.pptp.mppe.MppeTestPackets.flushed;
import static org.homerouter.pptp.mppe.MppeTestPackets.ipv4Plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.plaintext;
import static org.homerouter.pptp.mppe.MppeTestPackets.remaining;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.homerouter.pptp.mppe.LinuxMppeModel.Outcome;
import org.junit.jupiter.api.Test;

/**
 * Our encryptor and decryptor against {@link LinuxMppeModel}, a plain transcription of the Linux
 * kernel's ppp_mppe.c, the MPPE of our interop peer (pppd with the kernel's ppp_mppe): each end
 * must read the other's stream, including resets, lost packets and lost Reset-Requests.
 */
class MppeLinuxInteropTest {
    private static final int PACKETS = 12_000;

    /** Our stateful sender, a Linux receiver; its DECOMP_ERRORs become Reset-Requests, one in five lost. */
    @Test
    void linuxReadsOurStatefulStreamThroughLossAndResets() {
        Random rnd = new Random(31);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        LinuxMppeModel linux = new LinuxMppeModel(START, MppeStrength.BITS_128, false);
        int delivered = 0;
        int resetsSent = 0;
        for (int i = 0; i < PACKETS; i++) {
            byte[] plain = plaintext(rnd, 1 + rnd.nextInt(200));
            byte[] wire = remaining(encrypt(enc, plain));
            if (!(linux.discarding() && flushed(wire)) && rnd.nextInt(10) == 0) {
                continue; // lost; a flushed packet ending a discard never is (see below)
            }
            boolean wasDiscarding = linux.discarding();
            switch (linux.decompress(wire)) {
                case DECRYPTED -> {
                    assertArrayEquals(plain, linux.plaintext, "packet " + i);
                    delivered++;
                }
                case DECOMP_ERROR -> {
                    // pppd's ccp_datainput: a Reset-Request when the discard starts.
                    if (!wasDiscarding && rnd.nextInt(5) != 0) {
                        enc.resetRequested();
                        resetsSent++;
                    }
                }
                case DECOMP_FATALERROR -> throw new AssertionError("fatal at packet " + i);
            }
        }
        assertTrue(resetsSent > 150, "resets exercised: " + resetsSent);
        // A lost Reset-Request costs the wait for the next flag packet (128 packets on average).
        assertTrue(delivered > PACKETS / 10, "delivered " + delivered);
        assertEquals(enc.keyChanges(), linux.rekeys, "both on the same key at the end");
    }

    /** A Linux stateful sender, our receiver; our RESET_REQUIRED reaches its mppe_comp_reset four times in five. */
    @Test
    void weReadLinuxStatefulStreamThroughLossAndResets() {
        Random rnd = new Random(32);
        LinuxMppeModel linux = new LinuxMppeModel(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        int delivered = 0;
        int resetsSent = 0;
        for (int i = 0; i < PACKETS; i++) {
            byte[] plain = plaintext(rnd, 1 + rnd.nextInt(200));
            byte[] wire = linux.compress(plain);
            if (!(dec.awaitingFlush() && flushed(wire)) && rnd.nextInt(10) == 0) {
                continue;
            }
            ByteBuffer buf = ByteBuffer.wrap(wire);
            MppeDecryptResult r = dec.decrypt(buf);
            switch (r) {
                case DELIVERED -> {
                    assertArrayEquals(plain, remaining(buf), "packet " + i);
                    delivered++;
                }
                case RESET_REQUIRED -> {
                    if (rnd.nextInt(5) != 0) {
                        linux.compReset(); // pppd sends the Reset-Ack, the kernel flushes
                        resetsSent++;
                    }
                }
                case DROPPED_AWAITING_FLUSH -> {
                }
                default -> throw new AssertionError("unexpected " + r + " at packet " + i);
            }
        }
        assertTrue(resetsSent > 150, "resets exercised: " + resetsSent);
        assertEquals(delivered, dec.count(MppeDecryptResult.DELIVERED));
        assertEquals(linux.rekeys, dec.keyChanges(), "both on the same key at the end");
    }

    /** Stateless both ways, with loss and reordering: late packets are dropped on both sides alike. */
    @Test
    void statelessStreamsInteroperateBothWays() {
        Random rnd = new Random(33);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, true);
        LinuxMppeModel linuxReceiver = new LinuxMppeModel(START, MppeStrength.BITS_128, true);
        LinuxMppeModel linuxSender = new LinuxMppeModel(START, MppeStrength.BITS_128, true);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, true);
        List<byte[]> ours = new ArrayList<>();
        List<byte[]> theirs = new ArrayList<>();
        List<byte[]> plains = new ArrayList<>();
        for (int i = 0; i < PACKETS; i++) {
            byte[] plain = ipv4Plaintext(rnd, 22 + rnd.nextInt(180));
            plains.add(plain);
            ours.add(remaining(encrypt(enc, plain)));
            theirs.add(linuxSender.compress(plain));
        }
        int late = 0;
        for (int i = 0; i < PACKETS; i++) {
            int k = i;
            if (i + 1 < PACKETS && rnd.nextInt(20) == 0) {
                k = i + 1; // swap with the next one
                swap(ours, i, k);
                swap(theirs, i, k);
                swap(plains, i, k);
            }
            if (rnd.nextInt(10) == 0) {
                continue;
            }
            Outcome linux = linuxReceiver.decompress(ours.get(i));
            ByteBuffer buf = ByteBuffer.wrap(theirs.get(i));
            MppeDecryptResult r = dec.decrypt(buf);
            assertEquals(linux == Outcome.DECRYPTED, r.delivered(), "packet " + i);
            if (r.delivered()) {
                assertArrayEquals(plains.get(i), linuxReceiver.plaintext);
                assertArrayEquals(plains.get(i), remaining(buf));
            } else {
                assertEquals(MppeDecryptResult.DROPPED_LATE, r);
                late++;
            }
        }
        assertTrue(late > 100, "reordering exercised: " + late);
    }

    /**
     * The one loss Linux's stateful scheme cannot survive: the flushed packet answering a reset.
     * The sender re-keyed for it; the receiver's next flushed packet (a flag packet, or the answer
     * to a later reset) accounts for one key change fewer, and the two ends stay a key apart. We
     * must fail exactly as Linux does, packet for packet, or a Linux sender and we would part ways
     * on every other reset too.
     */
    @Test
    void lostResetAnswerDesynchronisesUsExactlyAsItDoesLinux() {
        Random rnd = new Random(34);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        LinuxMppeModel linux = new LinuxMppeModel(START, MppeStrength.BITS_128, false);
        int garbage = 0;
        for (int i = 0; i < PACKETS; i++) {
            byte[] plain = plaintext(rnd, 1 + rnd.nextInt(100));
            byte[] wire = remaining(encrypt(enc, plain));
            if (rnd.nextInt(10) == 0) {
                continue; // any packet, flushed or not
            }
            ByteBuffer buf = ByteBuffer.wrap(wire.clone());
            MppeDecryptResult r = dec.decrypt(buf);
            Outcome model = linux.decompress(wire);
            assertEquals(model == Outcome.DECRYPTED, r.delivered(), "packet " + i);
            if (r.delivered()) {
                assertArrayEquals(linux.plaintext, remaining(buf), "packet " + i);
                if (!Arrays.equals(plain, linux.plaintext)) {
                    garbage++;
                }
            } else if (r == MppeDecryptResult.RESET_REQUIRED) {
                enc.resetRequested();
            }
        }
        assertTrue(garbage > 0, "the lost-answer case was exercised");
        assertEquals(linux.rekeys, dec.keyChanges());
    }

    /**
     * The same losses over real IPv4 traffic: where the Linux receiver is left a key behind and
     * delivers garbage from then on, ours finds the sender's key (it tries more key changes on the
     * flushed packet that ends its discard state, keeping the one that yields a checked IPv4
     * header) and delivers only what was sent. Everywhere else it decides as Linux does.
     */
    @Test
    void ipv4TrafficSurvivesTheLostResetAnswerThatDesynchronisesLinux() {
        Random rnd = new Random(34);
        MppeEncryptor enc = new MppeEncryptor(START, MppeStrength.BITS_128, false);
        MppeDecryptor dec = new MppeDecryptor(START, MppeStrength.BITS_128, false);
        LinuxMppeModel linux = new LinuxMppeModel(START, MppeStrength.BITS_128, false);
        int linuxGarbage = 0;
        int delivered = 0;
        for (int i = 0; i < PACKETS; i++) {
            byte[] plain = ipv4Frame(rnd, 22 + rnd.nextInt(300), (i & 1) == 0);
            byte[] wire = remaining(encrypt(enc, plain));
            if (rnd.nextInt(10) == 0) {
                continue; // any packet, flushed or not
            }
            ByteBuffer buf = ByteBuffer.wrap(wire.clone());
            MppeDecryptResult r = dec.decrypt(buf);
            if (linux.decompress(wire) == Outcome.DECRYPTED && !Arrays.equals(plain, linux.plaintext)) {
                linuxGarbage++;
            }
            if (r.delivered()) {
                assertArrayEquals(plain, remaining(buf), "packet " + i);
                delivered++;
            } else if (r.wantsReset()) {
                enc.resetRequested();
            }
        }
        assertTrue(linuxGarbage > 0, "the lost-answer case was exercised");
        assertTrue(dec.resynchronisedBeyondLinux() > 0, "and repaired");
        assertTrue(delivered > PACKETS / 2, "traffic kept flowing: " + delivered);
    }

    /** A PPP IPv4 frame of {@code size} octets: protocol field (compressed or not), a checked header, random data. */
    private static byte[] ipv4Frame(Random rnd, int size, boolean compressedProtocol) {
        byte[] f = new byte[size];
        rnd.nextBytes(f);
        int ip = compressedProtocol ? 1 : 2;
        if (compressedProtocol) {
            f[0] = 0x21;
        } else {
            f[0] = 0x00;
            f[1] = 0x21;
        }
        ByteBuffer b = ByteBuffer.wrap(f);
        b.put(ip, (byte) 0x45).putShort(ip + 2, (short) (size - ip)).putShort(ip + 10, (short) 0);
        b.putShort(ip + 10, org.homerouter.pptp.tunnel.InternetChecksum.finish(
                org.homerouter.pptp.tunnel.InternetChecksum.add(0, b, ip, 20)));
        return f;
    }

    private static <T> void swap(List<T> list, int a, int b) {
        T t = list.get(a);
        list.set(a, list.get(b));
        list.set(b, t);
    }
}
