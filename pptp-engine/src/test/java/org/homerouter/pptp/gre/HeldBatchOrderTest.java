package org.homerouter.pptp.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * The tunnel reader holds a burst of data packets in the transport until the end of the burst;
 * meanwhile the timer thread sends an LCP Echo-Request on the same call. A peer without a reorder
 * buffer (Linux's kernel PPTP, as Android's client uses) drops every packet older than the newest
 * it has seen, so the wire must carry the channel's packets in sequence order.
 */
class HeldBatchOrderTest {
    private static int sequence(RecordingTransport.Sent p) {
        return ByteBuffer.wrap(p.bytes()).getInt(8); // S bit set: the sequence follows the call ID
    }

    @Test
    void aPacketSentFromAnotherThreadWaitsForTheBurstHeldBeforeIt() throws Exception {
        RecordingTransport transport = new RecordingTransport();
        GreChannel channel = new GreChannel(1, 2, InetAddress.ofLiteral("192.0.2.1"), transport, new ManualClock(),
                GreChannelConfig.DEFAULTS, payload -> { });
        channel.sendBatched(ByteBuffer.wrap(new byte[] {0x21, 1}));
        channel.sendBatched(ByteBuffer.wrap(new byte[] {0x21, 2}));

        Thread echo = Thread.ofPlatform().start(() -> {
            try {
                channel.send(ByteBuffer.wrap(new byte[] {(byte) 0xC0, 0x21, 9}));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // The echo is on its way while the burst is still held: flush once it waits for the burst,
        // not after a fixed sleep (on a loaded machine a 20 ms sleep could outlast its 50 ms wait).
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (echo.getState() != Thread.State.TIMED_WAITING && echo.isAlive() && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        channel.flush();
        echo.join(5000);
        List<Integer> wire = transport.sent.stream().map(HeldBatchOrderTest::sequence).toList();
        int first = wire.getFirst();
        assertEquals(List.of(first, first + 1, first + 2), wire, "sequence numbers leave in order");
    }

    @Test
    void aBatchingThreadThatNeverFlushesHoldsOthersUpOnlyBriefly() throws Exception {
        RecordingTransport transport = new RecordingTransport();
        GreChannel channel = new GreChannel(1, 2, InetAddress.ofLiteral("192.0.2.1"), transport, new ManualClock(),
                GreChannelConfig.DEFAULTS, payload -> { });
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            reader.submit(() -> {
                channel.sendBatched(ByteBuffer.wrap(new byte[] {0x21, 1}));
                return null;
            }).get(5, TimeUnit.SECONDS);
        } finally {
            reader.shutdownNow();
        }
        long start = System.nanoTime();
        channel.send(ByteBuffer.wrap(new byte[] {(byte) 0xC0, 0x21, 9}));
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waitedMs < 5_000, "waited " + waitedMs + " ms");
        assertEquals(1, transport.sent.size(), "the control packet went out anyway");
    }
}
