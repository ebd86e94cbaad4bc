package org.homerouter.pptp.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a session's reorder buffer keeps on the heap. A session whose link once reordered a full
 * window kept 63 copies of 2 KiB for as long as it lasted (130 KiB a busy session, on a router of
 * 512 MB); a link that reorders a packet now and then must still allocate nothing per packet.
 */
class ReorderBufferMemoryTest {
    private static final long TIMEOUT = 1_000_000_000L;

    private final List<Integer> received = new ArrayList<>();
    private final ReorderBuffer buffer = new ReorderBuffer(64, TIMEOUT, p -> received.add(p.getInt(p.position())));

    private void send(int sequence) {
        ByteBuffer payload = ByteBuffer.allocate(1400).putInt(0, sequence);
        buffer.accept(sequence, payload, 0);
    }

    @Test
    void aBurstHeldForAGapLeavesOnlyAFewSpareCopiesOnceDelivered() {
        send(0);
        // Packet 1 is late: 2..63 wait for it, each copied.
        for (int s = 2; s < 64; s++) {
            send(s);
        }
        assertEquals(62, buffer.heldCount());
        assertEquals(62, buffer.buffersKept());
        send(1);
        assertEquals(0, buffer.heldCount());
        assertEquals(ReorderBuffer.SPARE_BUFFERS, buffer.buffersKept(), "the burst's copies went, but a few");
        List<Integer> inOrder = new ArrayList<>();
        for (int s = 0; s < 64; s++) {
            inOrder.add(s);
        }
        assertEquals(inOrder, received, "every packet, in order, with its own bytes");
    }

    @Test
    void aLinkThatReordersNowAndThenReusesItsSpareCopies() {
        send(0);
        for (int round = 0; round < 100; round++) {
            int base = 1 + round * 3;
            // base+1 and base+2 arrive before base: two held, then delivered.
            send(base + 1);
            send(base + 2);
            send(base);
            assertTrue(buffer.buffersKept() <= ReorderBuffer.SPARE_BUFFERS, "round " + round);
        }
        assertEquals(301, received.size());
        for (int s = 0; s < received.size(); s++) {
            assertEquals(s, received.get(s), "reused copies carry each packet's own bytes");
        }
    }

    /**
     * The bytes this thread allocates while a warm buffer reorders 30,000 packets (two of every
     * three held, then delivered): a copy of 2 KiB per held packet was 40 MB, and any object made
     * per packet (a boxed number, a slice) at least 16 bytes each, 480 KB. The bound leaves room for
     * what the JVM itself may allocate meanwhile, and fails at the first of those.
     */
    @Test
    void aLinkThatReordersNowAndThenAllocatesNothingPerPacket() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM measures no thread's allocation");
        long[] sum = new long[1];
        ReorderBuffer quiet = new ReorderBuffer(64, TIMEOUT, p -> sum[0] += p.getInt(p.position()));
        ByteBuffer[] payloads = {ByteBuffer.allocate(1400), ByteBuffer.allocate(1400), ByteBuffer.allocate(1400)};
        int rounds = 10_000;
        quiet.accept(0, payloads[0], 0);
        reorder(quiet, payloads, 1, rounds); // warm: compiled, its spare copies made
        long before = threads.getCurrentThreadAllocatedBytes();
        reorder(quiet, payloads, 1 + 3 * rounds, rounds);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, quiet.heldCount());
        assertEquals(1 + 6L * rounds, quiet.deliveredPackets, "every packet delivered");
        assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for " + 3 * rounds + " packets");
    }

    /** {@code rounds} times: base+1 and base+2 arrive before base, from {@code base} on. */
    private static void reorder(ReorderBuffer buffer, ByteBuffer[] payloads, int base, int rounds) {
        for (int round = 0; round < rounds; round++, base += 3) {
            buffer.accept(base + 1, payloads[1], 0);
            buffer.accept(base + 2, payloads[2], 0);
            buffer.accept(base, payloads[0], 0);
        }
    }

    @Test
    void aWindowRestartedByAStaleRunGivesItsHeldCopiesBack() {
        send(0);
        for (int s = 2; s < 40; s++) {
            send(s);
        }
        // A forged packet far ahead made the window jump; the peer's own numbers are then stale,
        // and RESYNC_AFTER of them in a row restart it.
        send(1_000_000);
        for (int s = 0; s < ReorderBuffer.RESYNC_AFTER; s++) {
            send(100 + s);
        }
        assertEquals(0, buffer.heldCount());
        assertTrue(buffer.buffersKept() <= ReorderBuffer.SPARE_BUFFERS, "kept " + buffer.buffersKept());
    }
}
