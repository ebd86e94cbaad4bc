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
