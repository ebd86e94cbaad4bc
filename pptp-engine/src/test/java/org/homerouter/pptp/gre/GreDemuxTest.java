package org.homerouter.pptp.gre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

class GreDemuxTest {
    private static final InetAddress PEER = InetAddress.ofLiteral("198.51.100.20");
    private static final InetAddress SPOOFER = InetAddress.ofLiteral("203.0.113.66");

    private final ManualClock clock = new ManualClock();
    private final RecordingTransport transport = new RecordingTransport();
    private final List<byte[]> delivered = new ArrayList<>();
    private final GreDemux demux = new GreDemux(clock);
    private final GreChannel channel = new GreChannel(0x0042, 0x9000, PEER, transport, clock,
            GreChannelConfig.DEFAULTS, payload -> {
                byte[] copy = new byte[payload.remaining()];
                payload.get(copy);
                delivered.add(copy);
            });

    private static ByteBuffer packet(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex.replace(" ", "")));
    }

    // To our call 0x0042, sequence 1, 3-octet payload, followed by 2 octets of link padding.
    private static final String DATA_TO_CALL_42 =
            "30 01 880B" // K S, Ver 1, PPP
            + "0003 0042" // payload length 3, call ID 0x42
            + "00000001"  // sequence 1
            + "C02101"    // payload
            + "0000";     // padding

    @Test
    void routesByCallIdAndTrimsPadding() {
        demux.register(channel);
        demux.onPacket(PEER, packet(DATA_TO_CALL_42));
        assertEquals(1, delivered.size());
        assertArrayEquals(new byte[] {(byte) 0xC0, 0x21, 0x01}, delivered.getFirst());
        assertEquals(1, demux.counters().routed());
    }

    @Test
    void aSpoofedSourceCannotInjectIntoTheSession() throws IOException {
        demux.register(channel);
        demux.onPacket(SPOOFER, packet(DATA_TO_CALL_42));
        demux.onPacket(SPOOFER, packet("20 81 880B 0000 0042 00000001")); // forged ack
        assertTrue(delivered.isEmpty());
        assertEquals(2, demux.counters().wrongSource());
        assertTrue(channel.fromElsewhere().orElseThrow().startsWith("2 GRE packets for this call came from "
                + SPOOFER.getHostAddress()), channel.fromElsewhere().toString());
        assertEquals(0, demux.counters().routed());
        // Nothing was taken as received: no ack owed, and our first data packet carries no A bit.
        assertEquals(GreChannel.NO_DEADLINE, channel.nextDeadline());
        channel.send(ByteBuffer.wrap(new byte[] {1}));
        assertFalse(GreCodec.decode(ByteBuffer.wrap(transport.last().bytes())).ackPresent());
        assertEquals(0, channel.counters().ackOnlyReceived());
        // The real peer's packet with the same number still gets through afterwards.
        demux.onPacket(PEER, packet(DATA_TO_CALL_42));
        assertEquals(1, delivered.size());
    }

    @Test
    void unknownCallIdsAreDroppedAndCounted() {
        demux.register(channel);
        demux.onPacket(PEER, packet("30 01 880B 0001 0043 00000001 AA")); // call 0x43
        assertTrue(delivered.isEmpty());
        assertEquals(1, demux.counters().unknownCall());
    }

    @Test
    void malformedPacketsAreCountedAndChargedToTheirCallWhenTheKeyIsReadable() {
        demux.register(channel);
        demux.onPacket(PEER, packet("30 02 880B 0001 0042 00000001 AA"));    // version 2
        demux.onPacket(SPOOFER, packet("30 02 880B 0001 0042 00000001 AA")); // not our peer
        demux.onPacket(PEER, packet("10 01 880B 0001 0042 00000001 AA"));    // K clear: no key
        demux.onPacket(PEER, packet("30 01"));                               // truncated
        assertTrue(delivered.isEmpty());
        assertEquals(4, demux.counters().malformed());
        assertEquals(1, channel.counters().malformed());
    }

    @Test
    void registrationIsExclusiveAndReversible() {
        demux.register(channel);
        assertSame(channel, demux.channel(0x42));
        GreChannel impostor = new GreChannel(0x0042, 1, SPOOFER, transport, clock, GreChannelConfig.DEFAULTS,
                p -> { });
        assertThrows(IllegalStateException.class, () -> demux.register(impostor));
        assertFalse(demux.unregister(impostor), "only the registered instance can be removed");
        assertEquals(1, demux.registered());
        assertTrue(demux.unregister(channel));
        assertNull(demux.channel(0x42));
        assertEquals(0, demux.registered(), "nothing is left registered (the soak's leak check)");
        demux.onPacket(PEER, packet(DATA_TO_CALL_42));
        assertTrue(delivered.isEmpty());
        assertEquals(1, demux.counters().unknownCall());
    }

    @Test
    void manyChannelsEachGetOnlyTheirOwnPackets() {
        List<List<Integer>> got = new ArrayList<>();
        for (int id = 200; id > 0; id -= 7) {  // registered out of order
            List<Integer> mine = new ArrayList<>();
            got.add(mine);
            int callId = id;
            demux.register(new GreChannel(callId, 1, PEER, transport, clock, GreChannelConfig.DEFAULTS,
                    p -> mine.add(callId)));
        }
        for (int id = 0; id <= 200; id++) {
            ByteBuffer p = ByteBuffer.allocate(13).put(HexFormat.of().parseHex("3001880B0001"))
                    .putShort((short) id).putInt(5).put((byte) 0x21).flip();
            demux.onPacket(PEER, p);
        }
        for (List<Integer> mine : got) {
            assertEquals(1, mine.size());
        }
        assertEquals(got.size(), demux.counters().routed());
        assertEquals(201 - got.size(), demux.counters().unknownCall());
    }

    @Test
    void aPacketThatOvertakesItsCallIsDeliveredWhenTheChannelRegisters() {
        // The PAC's first LCP Configure-Request, here before the PNS has read the Outgoing-Call-Reply.
        demux.onPacket(PEER, packet(DATA_TO_CALL_42));
        assertEquals(1, demux.counters().unknownCall());
        assertTrue(delivered.isEmpty());
        clock.advanceMillis(200);
        demux.register(channel);
        assertEquals(1, delivered.size(), "the early packet reached the session without waiting for a retransmission");
        assertArrayEquals(new byte[] {(byte) 0xC0, 0x21, 0x01}, delivered.getFirst());
        // Only once: registering again after a hang-up does not replay it.
        demux.unregister(channel);
        GreChannel again = new GreChannel(0x0042, 0x9000, PEER, transport, clock, GreChannelConfig.DEFAULTS,
                p -> delivered.add(new byte[0]));
        demux.register(again);
        assertEquals(1, delivered.size());
    }

    /**
     * The packet's lookup finds no channel, then the channel registers (taking the early packets,
     * none yet) before the packet is kept: it must still be delivered, not kept for nobody until
     * it expires while the peer's LCP waits out its 3 s restart timer. The demultiplexer reads
     * its clock between the lookup and keeping the packet; this clock registers the channel
     * there, which is the interleaving two threads can produce.
     */
    @Test
    void aChannelRegisteringBetweenLookupAndKeepingStillGetsThePacket() {
        Runnable[] hook = new Runnable[1];
        GreDemux racing = new GreDemux(() -> {
            Runnable h = hook[0];
            hook[0] = null;
            if (h != null) {
                h.run();
            }
            return clock.nanos();
        });
        hook[0] = () -> racing.register(channel);
        racing.onPacket(PEER, packet(DATA_TO_CALL_42));
        assertEquals(1, delivered.size(), "the packet reached the channel that registered meanwhile");
        assertArrayEquals(new byte[] {(byte) 0xC0, 0x21, 0x01}, delivered.getFirst());
        assertEquals(1, racing.counters().unknownCall());
        assertEquals(1, racing.counters().routed());
    }

    @Test
    void earlyPacketsFromAnotherSourceOrTooOldAreNotDelivered() {
        demux.onPacket(SPOOFER, packet(DATA_TO_CALL_42));
        demux.register(channel);
        assertTrue(delivered.isEmpty(), "a spoofed early packet must not reach the call");
        demux.unregister(channel);

        demux.onPacket(PEER, packet(DATA_TO_CALL_42));
        clock.advance(java.time.Duration.ofNanos(GreDemux.EARLY_PACKET_NANOS + 1));
        demux.register(channel);
        assertTrue(delivered.isEmpty(), "a packet older than the wait is stale: the peer retransmits by now");
    }

    @Test
    void onlyTheNewestEarlyPacketsAreKept() {
        for (int sequence = 1; sequence <= GreDemux.EARLY_PACKETS + 1; sequence++) {
            ByteBuffer p = ByteBuffer.allocate(13).put(HexFormat.of().parseHex("3001880B00010042"))
                    .putInt(sequence).put((byte) 0x21).flip();
            demux.onPacket(PEER, p);
        }
        demux.register(channel);
        assertEquals(GreDemux.EARLY_PACKETS, channel.counters().rxPackets(), "the oldest was evicted");
    }
}
