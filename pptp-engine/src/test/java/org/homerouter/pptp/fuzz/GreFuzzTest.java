package org.homerouter.pptp.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreChannelCounters;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreDemuxCounters;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.gre.GrePacketReceiver;

/**
 * Any sequence of datagrams from the peer's address or a stranger's, interleaved with time: the
 * demultiplexer never throws, and every datagram is accounted for as routed to the call or
 * rejected under a named counter (malformed, unknown call, wrong source). What the call's channel
 * delivers never exceeds what was routed to it.
 */
class GreFuzzTest {
    private static final InetAddress PEER = address(192, 0, 2, 7);
    private static final InetAddress STRANGER = address(198, 51, 100, 9);
    private static final int LOCAL_CALL = 0x1234;

    @FuzzTest(maxDuration = "10s")
    void everyDatagramIsRoutedOrCountedAsRejected(FuzzedDataProvider data) throws Exception {
        ManualClock clock = new ManualClock();
        int[] delivered = {0};
        GreChannel channel = new GreChannel(LOCAL_CALL, 0x4321, PEER, new DiscardingTransport(), clock,
                GreChannelConfig.DEFAULTS, payload -> delivered[0]++);
        GreDemux demux = new GreDemux();
        demux.register(channel);
        int datagrams = 0;
        while (data.remainingBytes() > 0) {
            InetAddress source = data.consumeBoolean() ? PEER : STRANGER;
            byte[] datagram = data.consumeBytes(data.consumeInt(0, 1600));
            demux.onPacket(source, ByteBuffer.wrap(datagram));
            datagrams++;
            if (data.consumeBoolean()) {
                clock.advanceMillis(data.consumeInt(0, 2000));
                channel.poll();
            }
        }
        GreDemuxCounters d = demux.counters();
        assertEquals(datagrams, d.routed() + d.malformed() + d.unknownCall() + d.wrongSource(),
                "every datagram routed or counted as rejected: " + d);
        GreChannelCounters c = channel.counters();
        assertTrue(delivered[0] <= d.routed(), "delivered " + delivered[0] + " of " + d.routed() + " routed");
        assertTrue(c.rxPackets() <= d.routed(), "channel saw no more than was routed: " + c);
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Acks the channel sends go nowhere. */
    private static final class DiscardingTransport implements GreTransport {
        @Override
        public void send(InetAddress destination, ByteBuffer packet) {
        }

        @Override
        public void setReceiver(GrePacketReceiver receiver) {
        }

        @Override
        public void close() {
        }
    }
}
