package org.homerouter.bridge.gre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.homerouter.bridge.ffm.Errno;
import org.junit.jupiter.api.Test;

/**
 * The send batch's bookkeeping against a scripted sendmmsg(2): partial sends are continued where
 * the kernel stopped, a refused packet is dropped alone, EINTR is retried, and the octets held are
 * the packets' own. (Real sendmmsg through a raw socket: {@code RawGreSocketExchangeTest}.)
 */
class SendBatchTest {
    private static final Inet4Address PEER = (Inet4Address) InetAddress.ofLiteral("10.201.0.2");
    private static final int ENOBUFS = 105;

    /** A sendmmsg(2) that returns the scripted results and records where each call started and how many it was given. */
    private static final class Scripted implements SendBatch.MultiSend {
        private final SendBatch batch;
        private final Deque<Integer> results;
        final List<int[]> calls = new ArrayList<>();

        Scripted(SendBatch batch, Integer... results) {
            this.batch = batch;
            this.results = new ArrayDeque<>(List.of(results));
        }

        @Override
        public int send(java.lang.foreign.MemorySegment messages, int count) {
            calls.add(new int[] {batch.indexOf(messages), count});
            Integer r = results.poll();
            return r == null ? count : r;
        }
    }

    private static SendBatch batchOf(int packets) {
        SendBatch batch = new SendBatch();
        for (int i = 0; i < packets; i++) {
            batch.add(PEER, packet(i));
        }
        return batch;
    }

    private static ByteBuffer packet(int i) {
        byte[] bytes = new byte[1 + i * 97 % SendBatch.SLOT_SIZE];
        for (int j = 0; j < bytes.length; j++) {
            bytes[j] = (byte) (i * 13 + j);
        }
        // Even packets on the heap, odd ones native; every other pair starts behind other octets, as
        // a packet behind a header does.
        int offset = (i / 2) % 2 == 0 ? 0 : 5;
        ByteBuffer b = i % 2 == 0 ? ByteBuffer.allocate(offset + bytes.length) : ByteBuffer.allocateDirect(offset + bytes.length);
        for (int j = 0; j < offset; j++) {
            b.put((byte) 0x7F);
        }
        return b.put(bytes).position(offset);
    }

    @Test
    void aPartialSendIsContinuedWhereTheKernelStopped() {
        SendBatch batch = batchOf(10);
        Scripted kernel = new Scripted(batch, 4, 3, 3);
        assertEquals(0, batch.flush(kernel));
        assertEquals(List.of(List.of(0, 10), List.of(4, 6), List.of(7, 3)), calls(kernel));
        assertEquals(0, batch.size());
    }

    @Test
    void aRefusedPacketIsDroppedAloneAndEintrIsRetried() {
        SendBatch batch = batchOf(5);
        Scripted kernel = new Scripted(batch, 2, -ENOBUFS, -Errno.EINTR, 2);
        assertEquals(1, batch.flush(kernel));
        // 0-1 sent; 2 refused with ENOBUFS and dropped; 3-4 interrupted, retried, sent.
        assertEquals(List.of(List.of(0, 5), List.of(2, 3), List.of(3, 2), List.of(3, 2)), calls(kernel));
        assertEquals(ENOBUFS, batch.lastError());
        assertEquals(0, batch.size());
    }

    @Test
    void aFullSendBufferDropsTheRestOfTheBatchAtOnce() {
        SendBatch batch = batchOf(5);
        Scripted kernel = new Scripted(batch, 2, -Errno.EAGAIN);
        // 0-1 sent; the non-blocking socket's buffer is full: 2-4 dropped as a full queue drops,
        // without a system call each (they would all be refused) and without waiting.
        assertEquals(3, batch.flush(kernel));
        assertEquals(List.of(List.of(0, 5), List.of(2, 3)), calls(kernel));
        assertEquals(Errno.EAGAIN, batch.lastError());
        assertEquals(0, batch.size());
    }

    @Test
    void whenEveryPacketIsRefusedEachIsDroppedOnceWithoutSpinning() {
        SendBatch batch = batchOf(4);
        Scripted kernel = new Scripted(batch, -ENOBUFS, -ENOBUFS, -ENOBUFS, -ENOBUFS);
        assertEquals(4, batch.flush(kernel));
        assertEquals(4, kernel.calls.size());
        assertEquals(ENOBUFS, batch.lastError());
        assertEquals(0, batch.flush(new Scripted(batch)), "nothing held any more");
    }

    @Test
    void theHeldOctetsAreThePacketsOwnAndTheCallersBuffersDoNotMove() {
        SendBatch batch = new SendBatch();
        List<ByteBuffer> packets = new ArrayList<>();
        for (int i = 0; i < SendBatch.CAPACITY; i++) {
            ByteBuffer p = packet(i);
            packets.add(p);
            int position = p.position();
            batch.add(PEER, p);
            assertEquals(position, p.position());
        }
        assertTrue(batch.isFull());
        for (int i = 0; i < SendBatch.CAPACITY; i++) {
            ByteBuffer p = packets.get(i);
            byte[] expected = new byte[p.remaining()];
            p.get(p.position(), expected);
            assertArrayEquals(expected, batch.slot(i).toArray(ValueLayout.JAVA_BYTE), "packet " + i);
        }
        assertThrows(IllegalStateException.class, () -> batch.add(PEER, packet(0)));
    }

    @Test
    void onlyPacketsThatFitASlotAreBatched() {
        assertTrue(SendBatch.fits(SendBatch.SLOT_SIZE));
        assertFalse(SendBatch.fits(SendBatch.SLOT_SIZE + 1));
        assertThrows(IllegalStateException.class,
                () -> new SendBatch().add(PEER, ByteBuffer.allocate(SendBatch.SLOT_SIZE + 1)));
    }

    @Test
    void discardDropsWhatIsHeld() {
        SendBatch batch = batchOf(3);
        assertEquals(3, batch.discard());
        assertEquals(0, batch.size());
    }

    private static List<List<Integer>> calls(Scripted kernel) {
        return kernel.calls.stream().map(c -> List.of(c[0], c[1])).toList();
    }
}
