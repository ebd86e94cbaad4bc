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

    /** What the office's kernel ({@link KernelPptpReceiver}) hands to PPP. */
    private static final class Office {
        final KernelPptpReceiver kernel = new KernelPptpReceiver();
        /** The data packets taken (their last octet); LCP Discard-Requests, which pppd drops, apart. */
        final List<Integer> data = new ArrayList<>();
        int discardRequests;

        void receive(long seq, ByteBuffer ppp) {
            if (!kernel.takes((int) seq, ppp)) {
                return; // dropped
            }
            if (ppp.getShort(ppp.position() + 2) == (short) 0xC021) {
                assertEquals(11, ppp.get(ppp.position() + 4), "LCP Discard-Request (RFC 1661 §5.8)");
                discardRequests++;
            } else {
                data.add((int) ppp.get(ppp.limit() - 1));
            }
        }
    }

    /** What the office's kernel takes of 6 data packets sent across the wrap, the WAN losing the listed numbers once each. */
    private static Office across(List<Long> sent, Long... lostOnce) throws IOException {
        InMemoryGreNetwork network = new InMemoryGreNetwork();
        Office office = new Office();
        List<Long> toLose = new ArrayList<>(List.of(lostOnce));
        network.setImpairment((source, destination, packet) -> {
            ByteBuffer p = packet.duplicate();
            long seq = GreCodec.decode(p).sequence() & 0xFFFFFFFFL;
            sent.add(seq);
            if (toLose.remove(seq)) {
                return Fate.DROP;
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
        assertEquals(6, channel.counters().txPackets(), "the Discard-Requests are not counted as traffic");
        return office;
    }

    @Test
    void anOfficeServerWithLinuxsKernelReceiverKeepsReceivingAfterTheWrapThoughThePacketAtItIsLost() throws IOException {
        List<Long> sent = new ArrayList<>();
        Office office = across(sent, 0xFFFFFFFFL);
        assertEquals(List.of(0, 1, 3, 4, 5), office.data,
                "only the data packet right after the lost one is dropped, not every packet after the wrap");
        assertEquals(List.of(0xFFFFFFFDL, 0xFFFFFFFEL, 0xFFFFFFFFL, 0L, 0xFFFFFFFFL, 1L, 0xFFFFFFFFL, 2L, 3L), sent,
                "0xFFFFFFFF is spent on a Discard-Request, sent again after each of the next two data packets;"
                        + " no data packet goes out twice");
    }

    @Test
    void withNothingLostTheKernelTakesEveryDataPacketOnceAndDropsTheMarkersLateCopies() throws IOException {
        Office office = across(new ArrayList<>());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), office.data);
        assertEquals(1, office.discardRequests, "the later copies come after 0: from before the wrap to it");
    }

    @Test
    void aBurstTakingTheMarkerItsFirstCopyAndAPacketBetweenCostsTheDataUntilTheLastCopyOnly() throws IOException {
        Office office = across(new ArrayList<>(), 0xFFFFFFFFL, 0L, 0xFFFFFFFFL);
        assertEquals(List.of(0, 1, 4, 5), office.data, "data 2 lost on the wire, 3 dropped before the last copy");
    }
}
