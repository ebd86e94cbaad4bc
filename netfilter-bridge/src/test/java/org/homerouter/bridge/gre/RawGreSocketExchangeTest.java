package org.homerouter.bridge.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.io.EventLoop;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.gre.GreCodec;
import org.homerouter.pptp.gre.GreHeader;
import org.homerouter.pptp.gre.GrePacketReceiver;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two network namespaces made by the test, joined by a veth pair, each with a {@link RawGreSocket}
 * opened by a thread entered into it: enhanced GRE built by the engine's codec crosses real kernel
 * IP both ways and arrives complete, byte-identical and from the right address.
 */
@Tag("root")
class RawGreSocketExchangeTest {
    private static final int PACKETS = 10_000;
    /** Packets a sender may have in flight before it waits for the receiver (keeps socket buffers from overflowing). */
    private static final int WINDOW = 256;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Test
    void tenThousandPacketsEachWayArriveIntactFromTheRightSource() throws Exception {
        try (Netns a = Netns.create("grea"); Netns b = Netns.create("greb")) {
            Netns.linkVeth(a, "10.201.0.1/24", b, "10.201.0.2/24");
            Inet4Address addressA = (Inet4Address) InetAddress.getByName("10.201.0.1");
            Inet4Address addressB = (Inet4Address) InetAddress.getByName("10.201.0.2");
            // One bound to its address, one to any: both ways of opening must work.
            RawGreSocket socketA = NetworkNamespace.call(a.name(), () -> RawGreSocket.open(addressA));
            RawGreSocket socketB = null;
            long closeMillis;
            try {
                socketB = NetworkNamespace.call(b.name(), RawGreSocket::open);
                Collector atA = new Collector(addressB, 0xA0A0);
                Collector atB = new Collector(addressA, 0xB0B0);
                socketA.setReceiver(atA);
                socketB.setReceiver(atB);

                List<Throwable> senderFailures = new CopyOnWriteArrayList<>();
                Thread aToB = sender(socketA, addressB, 0xB0B0, atB, senderFailures);
                Thread bToA = sender(socketB, addressA, 0xA0A0, atA, senderFailures);
                aToB.join(DEADLINE);
                bToA.join(DEADLINE);
                assertEquals(List.of(), senderFailures);
                atA.awaitAll();
                atB.awaitAll();

                for (Collector c : List.of(atA, atB)) {
                    assertEquals(List.of(), c.problems);
                    assertEquals(PACKETS, c.count.get());
                    assertEquals(PACKETS, c.seen().cardinality());
                }
                assertEquals(new RawGreSocket.Counters(PACKETS, PACKETS, 0), socketA.counters());
                assertEquals(new RawGreSocket.Counters(PACKETS, PACKETS, 0), socketB.counters());
            } finally {
                long start = System.nanoTime();
                socketA.close();
                if (socketB != null) {
                    socketB.close();
                }
                closeMillis = (System.nanoTime() - start) / 1_000_000;
            }
            // Both receive threads were waiting in epoll_wait(2): the eventfd must wake them at once.
            assertTrue(closeMillis < 1000, "close took " + closeMillis + " ms");
            ByteBuffer packet = packet(1, 1);
            IOException afterClose = assertThrows(IOException.class, () -> socketA.send(addressB, packet));
            assertTrue(afterClose.getMessage().contains("closed"), afterClose.getMessage());
        }
    }

    @Test
    void burstsSentWithSendmmsgArriveWholeInOrderWithOneSystemCallPerBatch() throws Exception {
        int bursts = 40;
        int burst = 50; // more than one batch: a full batch goes out before the flush
        try (Netns a = Netns.create("grema"); Netns b = Netns.create("gremb")) {
            Netns.linkVeth(a, "10.201.1.1/24", b, "10.201.1.2/24");
            Inet4Address addressA = (Inet4Address) InetAddress.getByName("10.201.1.1");
            Inet4Address addressB = (Inet4Address) InetAddress.getByName("10.201.1.2");
            RawGreSocket socketA = NetworkNamespace.call(a.name(), () -> RawGreSocket.open(addressA));
            RawGreSocket socketB = null;
            try {
                socketB = NetworkNamespace.call(b.name(), RawGreSocket::open);
                Collector atB = new Collector(addressA, 0xB1B1);
                socketB.setReceiver(atB);
                int total = bursts * burst;
                for (int n = 0; n < bursts; n++) {
                    for (int i = 0; i < burst; i++) {
                        socketA.sendBatched(addressB, packet(0xB1B1, n * burst + i));
                    }
                    assertEquals(0, socketA.flush());
                    assertEquals(0, socketA.flush(), "nothing left to send");
                    atB.awaitCount((n + 1) * burst);
                }
                assertEquals(List.of(), atB.problems);
                assertEquals(total, atB.count.get());
                assertEquals(IntStream.range(0, total).boxed().toList(), atB.order(), "in the order sent");
                RawGreSocket.SendCounters sent = socketA.sendCounters();
                assertEquals(total, sent.sent());
                assertEquals(0, sent.dropped());
                int batchesPerBurst = (burst + SendBatch.CAPACITY - 1) / SendBatch.CAPACITY;
                assertEquals((long) bursts * batchesPerBurst, sent.systemCalls(), "one sendmmsg per batch");
            } finally {
                socketA.close();
                if (socketB != null) {
                    socketB.close();
                }
            }
            // Closed: nothing is held or sent any more.
            IOException afterClose = assertThrows(IOException.class,
                    () -> socketA.sendBatched(addressB, packet(0xB1B1, 0)));
            assertTrue(afterClose.getMessage().contains("closed"), afterClose.getMessage());
            assertEquals(0, socketA.flush());
        }
    }

    @Test
    void onASharedLoopTheSocketReceivesThereAndClosingItFromItsReceiverLeavesTheLoopServingTheRest() throws Exception {
        try (Netns a = Netns.create("grela"); Netns b = Netns.create("grelb");
             EventLoop loop = EventLoop.start("gre-test-loop")) {
            Netns.linkVeth(a, "10.201.1.1/24", b, "10.201.1.2/24");
            Inet4Address addressA = (Inet4Address) InetAddress.getByName("10.201.1.1");
            Inet4Address addressB = (Inet4Address) InetAddress.getByName("10.201.1.2");
            RawGreSocket socketA = NetworkNamespace.call(a.name(), () -> RawGreSocket.open(addressA));
            RawGreSocket socketB = NetworkNamespace.call(b.name(), () -> RawGreSocket.open(addressB, loop));
            try {
                List<String> threads = new CopyOnWriteArrayList<>();
                AtomicInteger received = new AtomicInteger();
                socketB.setReceiver((source, packet) -> {
                    threads.add(Thread.currentThread().getName());
                    if (GreCodec.decode(packet).sequence() == 5) {
                        socketB.close(); // the session ends on its own packet, on the loop thread
                    }
                    received.incrementAndGet();
                });
                for (int seq = 0; seq < 10; seq++) {
                    socketA.send(addressB, packet(0xC0C0, seq));
                }
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                while (received.get() < 6 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                Thread.sleep(100); // packets 6..9 arrived too: none may reach the closed socket's receiver
                assertEquals(6, received.get(), "packets 0..5, then nothing after the close");
                assertEquals(List.of("gre-test-loop"), threads.stream().distinct().toList());
                IOException afterClose = assertThrows(IOException.class, () -> socketB.send(addressA, packet(1, 1)));
                assertTrue(afterClose.getMessage().contains("closed"), afterClose.getMessage());

                // The loop lives on for what else is registered with it (other sockets, TUN devices).
                CountDownLatch alive = new CountDownLatch(1);
                loop.execute(alive::countDown);
                assertTrue(alive.await(5, TimeUnit.SECONDS), "loop still turning");
            } finally {
                socketA.close();
                socketB.close();
            }
        }
    }

    @Test
    void bindingToAnAddressTheNamespaceDoesNotHaveNamesTheError() throws Exception {
        try (Netns ns = Netns.create("grebind")) {
            Inet4Address notLocal = (Inet4Address) InetAddress.getByName("10.201.9.9");
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> NetworkNamespace.call(ns.name(), () -> RawGreSocket.open(notLocal)));
            assertEquals(99, e.errno()); // EADDRNOTAVAIL
            assertTrue(e.getMessage().startsWith("bind(10.201.9.9): cannot assign requested address"), e.getMessage());
            assertTrue(Errno.name(e.errno()).equals("EADDRNOTAVAIL"));
        }
    }

    private static Thread sender(RawGreSocket socket, InetAddress destination, int callId, Collector receiver,
                                 List<Throwable> failures) {
        return Thread.ofPlatform().name("gre-test-tx-" + callId).start(() -> {
            try {
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                for (int seq = 0; seq < PACKETS; seq++) {
                    while (seq - receiver.count.get() > WINDOW) {
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError("receiver stalled at " + receiver.count.get() + " of " + seq);
                        }
                        LockSupport.parkNanos(20_000);
                    }
                    socket.send(destination, packet(callId, seq));
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
    }

    /** Data packet {@code seq}: length and content derived from seq; odd ones in direct buffers. */
    static ByteBuffer packet(int callId, int seq) {
        int length = payloadLength(seq);
        GreHeader header = GreHeader.data(callId, length, seq, seq - 1);
        ByteBuffer buffer = seq % 2 == 1
                ? ByteBuffer.allocateDirect(header.headerLength() + length)
                : ByteBuffer.allocate(header.headerLength() + length);
        GreCodec.encode(header, buffer);
        for (int i = 0; i < length; i++) {
            buffer.put(payloadByte(seq, i));
        }
        return buffer.flip();
    }

    static int payloadLength(int seq) {
        return 1 + seq * 131 % 1400;
    }

    static byte payloadByte(int seq, int i) {
        return (byte) (seq * 31 + i * 7 + (i >>> 8));
    }

    /** Checks every packet on the receive thread; records what is wrong instead of throwing there. */
    private static final class Collector implements GrePacketReceiver {
        private final InetAddress expectedSource;
        private final int expectedCallId;
        final AtomicInteger count = new AtomicInteger();
        final List<String> problems = new CopyOnWriteArrayList<>();
        private final BitSet seen = new BitSet(PACKETS);
        private final List<Integer> order = new ArrayList<>();

        Collector(InetAddress expectedSource, int expectedCallId) {
            this.expectedSource = expectedSource;
            this.expectedCallId = expectedCallId;
        }

        @Override
        public void onPacket(InetAddress source, ByteBuffer packet) {
            try {
                check(source, packet);
            } catch (RuntimeException e) {
                problems.add(e.toString());
            }
            count.incrementAndGet();
        }

        private void check(InetAddress source, ByteBuffer packet) {
            if (!source.equals(expectedSource)) {
                problems.add("source " + source);
            }
            GreHeader header = GreCodec.decode(packet);
            int seq = header.sequence();
            if (header.callId() != expectedCallId || header.ack() != seq - 1 || !header.ackPresent()) {
                problems.add("header " + header);
            }
            if (header.payloadLength() != payloadLength(seq) || packet.remaining() != header.payloadLength()) {
                problems.add("length of " + seq + ": " + header.payloadLength() + "/" + packet.remaining());
                return;
            }
            for (int i = 0; i < header.payloadLength(); i++) {
                if (packet.get(packet.position() + i) != payloadByte(seq, i)) {
                    problems.add("payload of " + seq + " differs at " + i);
                    return;
                }
            }
            synchronized (seen) {
                if (seen.get(seq)) {
                    problems.add("duplicate " + seq);
                }
                seen.set(seq);
                order.add(seq);
            }
        }

        List<Integer> order() {
            synchronized (seen) {
                return List.copyOf(order);
            }
        }

        void awaitCount(int n) throws InterruptedException {
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (count.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(n, count.get(), "packets arrived");
        }

        BitSet seen() {
            synchronized (seen) {
                return (BitSet) seen.clone();
            }
        }

        void awaitAll() throws InterruptedException {
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (count.get() < PACKETS && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
    }
}
