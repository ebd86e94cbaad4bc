package org.homerouter.pptp.mppe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * A VPN router moves tens of thousands of packets a second: once the JIT has warmed up, encrypting
 * and decrypting must not allocate per packet, even in stateless mode where every packet re-keys.
 */
class MppeSteadyStateAllocationTest {
    private static final int ROUND = 50_000;
    /** Well under one object per packet: a KeyParameter per re-key alone would be 40+ octets. */
    private static final double MAX_BYTES_PER_PACKET = 4.0;

    @Test
    void statelessAndStatefulSteadyStateDoNotAllocatePerPacket() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        for (boolean stateless : new boolean[] {true, false}) {
            byte[] key = new byte[16];
            MppeEncryptor enc = new MppeEncryptor(key, MppeStrength.BITS_128, stateless);
            MppeDecryptor dec = new MppeDecryptor(key, MppeStrength.BITS_128, stateless);
            ByteBuffer plain = ByteBuffer.allocate(200);
            ByteBuffer wire = ByteBuffer.allocate(202);
            double best = Double.MAX_VALUE;
            // Rounds until one is clean: the first ones include JIT warm-up.
            for (int round = 0; round < 20 && best > MAX_BYTES_PER_PACKET; round++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < ROUND; i++) {
                    plain.clear();
                    wire.clear();
                    enc.encrypt(plain, wire);
                    wire.flip();
                    assertEquals(MppeDecryptResult.DELIVERED, dec.decrypt(wire));
                }
                best = Math.min(best, (mx.getCurrentThreadAllocatedBytes() - before) / (double) ROUND);
            }
            assertTrue(best <= MAX_BYTES_PER_PACKET,
                    (stateless ? "stateless" : "stateful") + " allocates " + best + " octets per packet");
        }
    }
}
