package org.homerouter.pptp.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.homerouter.pptp.mppe.MppeDecryptResult;
import org.homerouter.pptp.mppe.MppeDecryptor;
import org.homerouter.pptp.mppe.MppeEncryptor;
import org.homerouter.pptp.mppe.MppeStrength;

/**
 * MPPE decryption fed a mix of genuine packets, genuine packets with a forged header or body, and
 * raw bytes, statelessly and statefully: it never throws, every packet lands under exactly one
 * result counter, and no single packet, however far ahead its coherency count, costs more than
 * the 2048 key changes Linux allows (RFC 3078 §8; a forged count must not force 4095 rekeys).
 */
class MppeFuzzTest {
    private static final byte[] START = HexFormat.of().parseHex("8B7CDC149B993A1BA118CB153F56DCCB");
    private static final int MAX_KEY_CHANGES_PER_PACKET = 2048;

    @FuzzTest(maxDuration = "10s")
    void everyPacketIsCountedAndNoneForcesUnboundedRekeying(FuzzedDataProvider data) {
        boolean stateless = data.consumeBoolean();
        MppeEncryptor sender = new MppeEncryptor(START, MppeStrength.BITS_128, stateless);
        // Linux's rules for traffic it cannot check, and a session's, which knows its traffic is IPv4.
        MppeDecryptor[] receivers = {new MppeDecryptor(START, MppeStrength.BITS_128, stateless),
                new MppeDecryptor(START, MppeStrength.BITS_128, stateless, MppeDecryptor.DEFAULT_MAX_BAD_PACKETS,
                        true)};
        ByteBuffer wire = ByteBuffer.allocate(1600);
        long packets = 0;
        while (data.remainingBytes() > 0) {
            int kind = data.consumeInt(0, 2);
            ByteBuffer packet;
            if (kind == 2) {
                packet = ByteBuffer.wrap(data.consumeBytes(data.consumeInt(0, 1500)));
            } else {
                byte[] plain = data.consumeBytes(data.consumeInt(1, 1400));
                if (plain.length == 0) {
                    break;
                }
                wire.clear();
                sender.encrypt(ByteBuffer.wrap(plain), wire);
                wire.flip();
                packet = ByteBuffer.wrap(Arrays.copyOf(wire.array(), wire.limit()));
                if (kind == 1 && packet.limit() > 0) {
                    int at = data.consumeInt(0, packet.limit() - 1);
                    packet.put(at, (byte) (packet.get(at) ^ data.consumeInt(1, 255)));
                }
            }
            for (MppeDecryptor receiver : receivers) {
                long keysBefore = receiver.keyChanges();
                receiver.decrypt(ByteBuffer.wrap(Arrays.copyOfRange(packet.array(), 0, packet.limit())));
                assertTrue(receiver.keyChanges() - keysBefore <= MAX_KEY_CHANGES_PER_PACKET,
                        "one packet cost " + (receiver.keyChanges() - keysBefore) + " key changes");
            }
            packets++;
        }
        for (MppeDecryptor receiver : receivers) {
            assertCounted(receiver, packets);
        }
    }

    private static void assertCounted(MppeDecryptor receiver, long packets) {
        // LINK_FAILURE is the verdict on a run of bogus packets: each such packet is also counted
        // under its own reason, so it stands beside the per-packet results, not among them.
        long counted = Arrays.stream(MppeDecryptResult.values()).filter(r -> r != MppeDecryptResult.LINK_FAILURE)
                .mapToLong(receiver::count).sum();
        assertEquals(packets, counted, "every packet counted under one result");
        long bogus = Arrays.stream(MppeDecryptResult.values()).filter(r -> !r.delivered() && !r.wantsReset()
                && r != MppeDecryptResult.LINK_FAILURE && r != MppeDecryptResult.DROPPED_TOO_SHORT)
                .mapToLong(receiver::count).sum();
        assertTrue(receiver.count(MppeDecryptResult.LINK_FAILURE) <= bogus, "link failure only on bogus packets");
    }
}
