package org.homerouter.pptp.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * The documented threading: a receive thread, a timer thread and a sender thread on one channel,
 * with the sink answering from inside delivery. Nothing may deadlock, every payload arrives in
 * order, and every packet sent has its own sequence number.
 */
class GreChannelConcurrencyTest {
    /** The defaults, numbering our packets from 1 as these tests' expected sequence and ack numbers do. */
    private static final GreChannelConfig FROM_ONE = GreChannelConfig.DEFAULTS.withFirstSendSequence(1);

    private static final int PACKETS = 20_000;

    @Test
    void receiveTimerAndSenderThreadsShareOneChannel() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            ManualClock clock = new ManualClock();
            RecordingTransport transport = new RecordingTransport();
            List<Integer> delivered = new ArrayList<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            GreChannel[] self = new GreChannel[1];
            GreChannel channel = new GreChannel(1, 2, InetAddress.ofLiteral("192.0.2.1"), transport, clock,
                    FROM_ONE, payload -> {
                        delivered.add(payload.getInt(payload.position()));
                        if (delivered.size() % 10 == 0) {
                            try {
                                self[0].send(ByteBuffer.wrap(new byte[] {1}));  // a reply from PPP
                            } catch (IOException e) {
                                failures.add(e);
                            }
                        }
                    });
            self[0] = channel;
            AtomicBoolean receiving = new AtomicBoolean(true);

            Thread receiver = Thread.ofPlatform().start(() -> {
                // The first packet fixes the expected sequence, so it comes first; after it, pairs
                // are swapped: every other packet waits for its predecessor.
                List<Integer> order = new ArrayList<>();
                order.add(0);
                for (int i = 1; i + 1 < PACKETS; i += 2) {
                    order.add(i + 1);
                    order.add(i);
                }
                order.add(PACKETS - 1);
                for (int s : order) {
                    channel.receive(GreHeader.data(1, 4, s), ByteBuffer.allocate(4).putInt(0, s));
                }
                receiving.set(false);
            });
            Thread timer = Thread.ofPlatform().start(() -> {
                try {
                    while (receiving.get()) {
                        clock.advance(Duration.ofNanos(10_000));
                        channel.poll();
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < PACKETS / 2; i++) {
                        channel.send(ByteBuffer.wrap(new byte[] {2}));
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            receiver.join();
            timer.join();
            sender.join();

            assertEquals(List.of(), List.copyOf(failures));
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < PACKETS; i++) {
                expected.add(i);
            }
            // The timer may have given up on a gap only if 100 ms of manual time passed while a
            // packet waited; what was delivered must still be in strictly increasing order.
            long lost = channel.counters().lost();
            if (lost == 0) {
                assertEquals(expected, delivered);
            } else {
                for (int i = 1; i < delivered.size(); i++) {
                    assertEquals(true, delivered.get(i) > delivered.get(i - 1), "in order at " + i);
                }
            }
            int dataPackets = 0;
            int expectedSequence = 1;
            for (RecordingTransport.Sent sent : transport.sent) {
                GreHeader h = GreCodec.decode(ByteBuffer.wrap(sent.bytes()));
                if (h.sequencePresent()) {
                    assertEquals(expectedSequence++, h.sequence(), "sequence numbers unique and contiguous");
                    dataPackets++;
                }
            }
            assertEquals(PACKETS / 2 + delivered.size() / 10, dataPackets);
        });
    }

    /**
     * What the session reads for its diagnosis under its own lock (GRE from another address) does
     * not wait for a frame being handed to the session: the receive thread, handing it over,
     * waits for the session's lock. Both waited on each other: the data path stopped for every
     * tunnel until the watchdog restarted the service.
     */
    @Test
    void theFromElsewhereCountIsReadWhileAFrameIsBeingDelivered() throws Exception {
        java.util.concurrent.CountDownLatch inSink = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        GreChannel channel = new GreChannel(1, 2, InetAddress.ofLiteral("192.0.2.1"), new RecordingTransport(),
                new ManualClock(), FROM_ONE, payload -> {
                    inSink.countDown();
                    try {
                        release.await(); // the session's lock, held by the thread reading below
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        channel.countFromElsewhere(InetAddress.ofLiteral("198.51.100.9"));
        Thread receiver = Thread.ofPlatform().start(() ->
                channel.receive(GreHeader.data(1, 4, 0), ByteBuffer.allocate(4)));
        try {
            inSink.await();
            java.util.concurrent.CompletableFuture<java.util.Optional<String>> read =
                    java.util.concurrent.CompletableFuture.supplyAsync(channel::fromElsewhere);
            assertEquals(true, read.get(5, java.util.concurrent.TimeUnit.SECONDS).orElseThrow()
                    .startsWith("1 GRE packet for this call came from 198.51.100.9"));
        } finally {
            release.countDown();
            receiver.join();
        }
    }
}
