package org.homerouter.pptp.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.gre.InMemoryGreNetwork.Fate;
import org.homerouter.pptp.gre.InMemoryGreNetwork.Impairment;
import org.junit.jupiter.api.Test;

/**
 * Two channels talking through an impaired in-memory network, the way a client and the router do:
 * whatever the network loses is gone, everything else must reach PPP exactly once and in order.
 */
class GreChannelExchangeTest {
    private static final InetAddress ROUTER = InetAddress.ofLiteral("10.0.0.1");
    private static final InetAddress CLIENT = InetAddress.ofLiteral("10.0.0.2");
    private static final int ROUTER_CALL = 100;
    private static final int CLIENT_CALL = 200;
    private static final int PACKETS = 10_000;
    /** The first four octets of the LCP Discard-Request a channel sends as 0xFFFFFFFF (FF 03 C0 21). */
    private static final int WRAP_MARKER = 0xFF03C021;

    private final ManualClock clock = new ManualClock();
    private final InMemoryGreNetwork network = new InMemoryGreNetwork();

    /** One side: its channel, what its sink got, and which of its peer's sequence numbers the network dropped. */
    private final class Side {
        final List<Integer> received = new ArrayList<>();
        final Set<Integer> droppedTowardsMe = new TreeSet<>();
        /** Whether a copy of the wrap's Discard-Request (the sender's 0xFFFFFFFF) reached this side. */
        boolean markerArrived;
        final GreChannel channel;
        final int firstSequence;

        Side(InetAddress me, InetAddress peer, int localCall, int peerCall, int firstSequence) {
            this.firstSequence = firstSequence;
            GreTransport transport = network.bind(me);
            GreDemux demux = new GreDemux();
            transport.setReceiver(demux);
            channel = new GreChannel(localCall, peerCall, peer, transport, clock,
                    GreChannelConfig.DEFAULTS.withFirstSendSequence(firstSequence), this::onPayload);
            demux.register(channel);
        }

        private void onPayload(ByteBuffer payload) {
            int index = payload.getInt(payload.position());
            if (index == WRAP_MARKER) {
                return; // the LCP Discard-Request the sender spends 0xFFFFFFFF on: PPP drops it
            }
            assertEquals(4 + index % 37, payload.remaining(), "payload length of " + index);
            for (int i = 4; i < payload.remaining(); i++) {
                assertEquals((byte) index, payload.get(payload.position() + i), "payload octet of " + index);
            }
            received.add(index);
        }
    }

    private static ByteBuffer payload(int index) {
        ByteBuffer b = ByteBuffer.allocate(4 + index % 37);
        b.putInt(index);
        while (b.hasRemaining()) {
            b.put((byte) index);
        }
        return b.flip();
    }

    /** Every surviving payload once, in order; on failure, names the first difference instead of dumping 10,000 numbers. */
    private static void assertSameSequence(List<Integer> expected, List<Integer> actual) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                fail("delivery " + i + ": expected payload " + expected.get(i) + " but got " + actual.get(i)
                        + " (context " + actual.subList(Math.max(0, i - 3), Math.min(actual.size(), i + 4)) + ")");
            }
        }
        assertEquals(expected.size(), actual.size(), "payloads delivered");
    }

    @Test
    void tenThousandPacketsEachWayThroughLossReorderingAndDuplication() throws IOException {
        // Both send sequences cross 0xFFFFFFFF -> 0 in the middle of the run.
        Side router = new Side(ROUTER, CLIENT, ROUTER_CALL, CLIENT_CALL, -PACKETS / 2);
        Side client = new Side(CLIENT, ROUTER, CLIENT_CALL, ROUTER_CALL, -PACKETS / 3);
        Map<InetAddress, Side> byAddress = new HashMap<>(Map.of(ROUTER, router, CLIENT, client));

        Impairment random = Impairment.random(new Random(20260611L), 0.05, 0.03, 0.10, 8);
        network.setImpairment((source, destination, packet) -> {
            Fate fate = random.decide(source, destination, packet);
            ByteBuffer p = packet.duplicate();
            GreHeader h = GreCodec.decode(p);
            if (h.sequencePresent() && p.getInt(p.position()) == WRAP_MARKER) {
                byAddress.get(destination).markerArrived |= fate != Fate.DROP;
            } else if (fate == Fate.DROP && h.sequencePresent()) {
                byAddress.get(destination).droppedTowardsMe.add(p.getInt(p.position())); // the payload's index
            }
            return fate;
        });

        for (int i = 0; i < PACKETS; i++) {
            router.channel.send(payload(i));
            client.channel.send(payload(i));
            network.deliverAll();
            clock.advanceMillis(2);
            router.channel.poll();
            client.channel.poll();
            network.deliverAll();
        }
        // Calm the network, let stragglers in, then one clean packet each way so that every loss
        // is followed by something received and therefore counted.
        network.setImpairment(Impairment.NONE);
        network.releaseDelayed();
        network.deliverAll();
        router.channel.send(payload(PACKETS));
        client.channel.send(payload(PACKETS));
        network.deliverAll();
        clock.advanceMillis(200);
        router.channel.poll();
        client.channel.poll();
        network.deliverAll();

        for (Side side : List.of(router, client)) {
            Side peer = side == router ? client : router;
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i <= PACKETS; i++) {
                if (!side.droppedTowardsMe.contains(i)) {
                    expected.add(i);
                }
            }
            assertSameSequence(expected, side.received);
            GreChannelCounters c = side.channel.counters();
            // The peer's wrap spent one number on a Discard-Request (three copies): received once, or lost.
            assertEquals(expected.size() + (side.markerArrived ? 1 : 0), c.rxPackets());
            assertEquals(side.droppedTowardsMe.size() + (side.markerArrived ? 0 : 1), c.lost(),
                    "each network loss counted once");
            assertTrue(side.droppedTowardsMe.size() > 300, "the network did lose packets");
            assertTrue(c.reordered() > 300, "the network did reorder packets");
            assertTrue(c.duplicates() > 100, "the network did duplicate packets");
            assertEquals(0, c.stale(), "no packet waited longer than the reorder timeout");
            assertEquals(PACKETS + 1, c.txPackets());
            assertEquals(0, peer.channel.unacknowledged(), "the final acks reached " + peer);
            assertEquals(GreChannel.NO_DEADLINE, side.channel.nextDeadline());
        }
    }
}
