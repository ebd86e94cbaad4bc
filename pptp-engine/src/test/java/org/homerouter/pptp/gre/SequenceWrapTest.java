package org.homerouter.pptp.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.pptp.gre.InMemoryGreNetwork.Fate;
import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * Our send sequence crossing 0xFFFFFFFF towards a peer with Linux's kernel PPTP receiver (pptp.ko:
 * accel-ppp, pppd's kernel mode), which takes a packet after the wrap only once it has received
 * 0xFFFFFFFF itself: with that one packet lost, such an office server dropped everything this
 * router sent, for good.
 */
class SequenceWrapTest {
    private static final InetAddress US = InetAddress.ofLiteral("10.0.0.1");
    private static final InetAddress OFFICE = InetAddress.ofLiteral("10.0.0.2");

    /**
     * pptp.ko's check in pptp_rcv_core (drivers/net/ppp/pptp.c), in unsigned 32 bits: a packet is
     * taken when {@code !(seq < seq_recv + 1 || WRAPPED(seq_recv, seq))}, and then sets seq_recv.
     */
    private static final class KernelPptpReceiver {
        long seqRecv = 0xFFFFFFFFL; // as set up: the first packet (any number) is taken
        /** The data packets taken (their last octet); LCP Discard-Requests, which pppd drops, apart. */
        final List<Integer> data = new ArrayList<>();
        int discardRequests;

        void receive(long seq, ByteBuffer ppp) {
            boolean wrapped = (seqRecv & 0xFFFFFF00L) == 0 && (seq & 0xFFFFFF00L) == 0xFFFFFF00L;
            if (seq < ((seqRecv + 1) & 0xFFFFFFFFL) || wrapped) {
                return; // dropped (all but LCP echoes, which this test does not send)
            }
            seqRecv = seq;
            if (ppp.getShort(ppp.position() + 2) == (short) 0xC021) {
                assertEquals(11, ppp.get(ppp.position() + 4), "LCP Discard-Request (RFC 1661 §5.8)");
                discardRequests++;
            } else {
                data.add((int) ppp.get(ppp.limit() - 1));
            }
        }
    }

    @Test
    void anOfficeServerWithLinuxsKernelReceiverKeepsReceivingAfterTheWrapThoughOnePacketAtItIsLost()
            throws IOException {
        InMemoryGreNetwork network = new InMemoryGreNetwork();
        KernelPptpReceiver office = new KernelPptpReceiver();
        List<Long> sent = new ArrayList<>();
        boolean[] lostOne = {false};
        network.setImpairment((source, destination, packet) -> {
            ByteBuffer p = packet.duplicate();
            long seq = GreCodec.decode(p).sequence() & 0xFFFFFFFFL;
            sent.add(seq);
            if (seq == 0xFFFFFFFFL && !lostOne[0]) {
                lostOne[0] = true;
                return Fate.DROP; // the WAN loses the first packet numbered 0xFFFFFFFF
            }
            office.receive(seq, p);
            return Fate.DELIVER;
        });
        network.bind(OFFICE).setReceiver((source, packet) -> { });
        GreChannel channel = new GreChannel(7, 9, OFFICE, network.bind(US), new ManualClock(),
                GreChannelConfig.DEFAULTS.withFirstSendSequence(-3), payload -> { });
        for (int i = 0; i < 6; i++) {
            channel.send(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, 0, 0x21, 0x45, (byte) i}));
            network.deliverAll();
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5), office.data, "the office's kernel takes every data packet once");
        assertEquals(List.of(0xFFFFFFFDL, 0xFFFFFFFEL, 0xFFFFFFFFL, 0xFFFFFFFFL, 0xFFFFFFFFL, 0L, 1L, 2L, 3L), sent,
                "0xFFFFFFFF is spent on three copies of a Discard-Request; no data packet goes out twice");
        assertEquals(6, channel.counters().txPackets(), "the Discard-Requests are not counted as traffic");
    }
}
