package org.homerouter.pptp.gre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import org.homerouter.pptp.ManualClock;
import org.junit.jupiter.api.Test;

class GreChannelTest {
    /** The defaults, numbering our packets from 1 as these tests' expected sequence and ack numbers do. */
    private static final GreChannelConfig FROM_ONE = GreChannelConfig.DEFAULTS.withFirstSendSequence(1);

    private static final int LOCAL_CALL = 0x0100;
    private static final int PEER_CALL = 0xBEEF;
    private static final InetAddress PEER = InetAddress.ofLiteral("192.0.2.7");
    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock();
    private final RecordingTransport transport = new RecordingTransport();
    private final List<Integer> delivered = new ArrayList<>();

    private GreChannel channel(GreChannelConfig config) {
        return new GreChannel(LOCAL_CALL, PEER_CALL, PEER, transport, clock, config,
                payload -> delivered.add(payload.getInt(payload.position())));
    }

    private GreChannel channel() {
        return channel(FROM_ONE);
    }

    /** A data packet whose 4-octet payload is its own sequence number, so delivery order is visible. */
    private static void receive(GreChannel ch, int sequence) {
        ByteBuffer payload = ByteBuffer.allocate(4).putInt(0, sequence);
        ch.receive(GreHeader.data(LOCAL_CALL, 4, sequence), payload);
    }

    private static List<Integer> range(int fromInclusive, int toInclusive) {
        return IntStream.rangeClosed(fromInclusive, toInclusive).boxed().toList();
    }

    @Test
    void inOrderPacketsAreDeliveredImmediately() {
        GreChannel ch = channel();
        for (int s = 10; s < 15; s++) {
            receive(ch, s);
        }
        assertEquals(range(10, 14), delivered);
        GreChannelCounters c = ch.counters();
        assertEquals(5, c.rxPackets());
        assertEquals(20, c.rxBytes());
        assertEquals(0, c.lost());
        assertEquals(0, c.reordered());
    }

    @Test
    void framesLongerThanAnyPppFrameAreNotKeptWaitingForAGap() throws Exception {
        // Before login, a peer sends 62 packets of 64 KiB ahead of a gap: kept, they would pin
        // 4 MiB of this call's memory until the call ends.
        GreChannel ch = channel();
        receive(ch, 0);
        for (int s = 2; s < 64; s++) {
            ByteBuffer huge = ByteBuffer.allocate(GreHeader.MAX_PAYLOAD_LENGTH).putInt(0, s);
            ch.receive(GreHeader.data(LOCAL_CALL, huge.remaining(), s), huge);
        }
        assertEquals(62, ch.counters().malformed());
        assertEquals(0, ch.counters().reordered());
        // A frame of a real PPP size still waits for its gap as before.
        ByteBuffer ordinary = ByteBuffer.allocate(1508).putInt(0, 63);
        ch.receive(GreHeader.data(LOCAL_CALL, ordinary.remaining(), 63), ordinary);
        assertEquals(1, ch.counters().reordered());
        receive(ch, 1);
        clock.advance(java.time.Duration.ofMillis(200));
        ch.poll();
        assertEquals(List.of(0, 1, 63), delivered);
    }

    @Test
    void sequenceNumbersWrapFromFFFFFFFFToZero() {
        GreChannel ch = channel();
        receive(ch, 0xFFFFFFFD);
        receive(ch, 0xFFFFFFFE);
        receive(ch, 1);            // ahead across the wrap: must wait, not count as stale
        receive(ch, 0xFFFFFFFF);
        receive(ch, 0);
        receive(ch, 2);
        assertEquals(List.of(0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFF, 0, 1, 2), delivered);
        assertEquals(0, ch.counters().stale());
        assertEquals(0, ch.counters().lost());
    }

    @Test
    void oneForgedPacketFarAheadDoesNotCutTheCallOff() throws IOException {
        // The GRE header is in clear: one packet 2^31 - 1 ahead, from anyone who knows the call ID
        // and the peer's address, made the window jump, and every genuine packet after it was
        // stale until the peer's numbers caught up: the call was dead.
        GreChannel ch = channel();
        for (int s = 0; s < 10; s++) {
            receive(ch, s);
        }
        receive(ch, 10 + Integer.MAX_VALUE - 1); // forged
        delivered.clear();
        for (int s = 10; s < 1000; s++) {
            receive(ch, s);
        }
        int dropped = ReorderBuffer.RESYNC_AFTER - 1;
        assertEquals(range(10 + dropped, 999), delivered, "the genuine stream is back after " + dropped + " packets");
        // The acks name what the peer sent, not the forged number.
        clock.advance(Duration.ofSeconds(1));
        ch.poll();
        assertEquals(GreHeader.ackOnly(PEER_CALL, 999), GreCodec.decode(ByteBuffer.wrap(transport.last().bytes())));
    }

    /**
     * The frames no window vouches for, the one it jumps to and the one it restarts at, reach the
     * sink apart from the rest: anyone who knows the call ID and the peer's address can number a
     * packet so (the GRE header is in clear), and PPP keeps only what MPPE authenticates of them.
     */
    @Test
    void theFramesTheWindowJumpsToOrRestartsAtReachTheSinkAsOutsideIt() {
        List<Integer> outside = new ArrayList<>();
        GreChannel ch = new GreChannel(LOCAL_CALL, PEER_CALL, PEER, transport, clock, FROM_ONE, new GrePayloadSink() {
            @Override
            public void onPayload(ByteBuffer payload) {
                delivered.add(payload.getInt(payload.position()));
            }

            @Override
            public void onPayloadOutsideWindow(ByteBuffer payload) {
                outside.add(payload.getInt(payload.position()));
            }
        });
        receive(ch, 0); // the first packet sets the window (RFC 2637 §4 gives no initial number)
        receive(ch, 2); // held for the gap
        receive(ch, 1);
        receive(ch, 1000); // far ahead: the window jumps to it
        int last = 3 + ReorderBuffer.RESYNC_AFTER;
        for (int s = 4; s <= last; s++) {
            receive(ch, s); // skipped by the jump, in a row: the window restarts at the last
        }
        receive(ch, last + 1);
        assertEquals(List.of(0, 1, 2, last + 1), delivered);
        assertEquals(List.of(1000, last), outside);
    }

    @Test
    void aForgedPacketJustBeyondTheWindowCostsNoMoreThanAFarOne() {
        GreChannel ch = channel();
        for (int s = 0; s < 10; s++) {
            receive(ch, s);
        }
        receive(ch, 10 + 64 + 3); // forged: just beyond the 64-packet window
        delivered.clear();
        for (int s = 10; s < 200; s++) {
            receive(ch, s);
        }
        int dropped = ReorderBuffer.RESYNC_AFTER - 1;
        assertEquals(range(10 + dropped, 199), delivered, "back after " + dropped + " packets, not after 67");
    }

    @Test
    void aBurstArrivingAfterItsGapWasGivenUpOnDoesNotPullTheWindowBack() throws IOException {
        // A Wi-Fi or mobile stall: 20 packets held back past the reorder timeout, then delivered.
        GreChannel ch = channel();
        receive(ch, 0);
        for (int s = 21; s < 40; s++) {
            receive(ch, s);
        }
        clock.advance(Duration.ofSeconds(1));
        ch.poll(); // the gap 1..20 is given up on: 21..39 delivered
        for (int s = 1; s <= 20; s++) {
            receive(ch, s); // stale, and consecutive, but honest
        }
        delivered.clear();
        receive(ch, 40);
        assertEquals(List.of(40), delivered, "the window stayed where it was");
    }

    @Test
    void aWholeWindowArrivingBackwardsIsDeliveredInOrder() {
        GreChannel ch = channel();
        receive(ch, 0);
        for (int s = 64; s >= 1; s--) {
            receive(ch, s);
        }
        assertEquals(range(0, 64), delivered);
        assertEquals(63, ch.counters().reordered());
        assertEquals(0, ch.counters().lost());
    }

    @Test
    void shuffledBlocksWithinTheWindowAreDeliveredInOrder() {
        GreChannel ch = channel();
        receive(ch, 0);
        Random random = new Random(7);
        List<Integer> expected = new ArrayList<>(List.of(0));
        for (int block = 0; block < 20; block++) {
            List<Integer> seqs = new ArrayList<>(range(1 + block * 64, 64 + block * 64));
            Collections.shuffle(seqs, random);
            seqs.forEach(s -> receive(ch, s));
            expected.addAll(range(1 + block * 64, 64 + block * 64));
        }
        assertEquals(expected, delivered);
        assertEquals(0, ch.counters().lost());
    }

    @Test
    void duplicatesAreDroppedWhetherDeliveredOrWaiting() {
        GreChannel ch = channel();
        receive(ch, 0);
        receive(ch, 1);
        receive(ch, 1);            // already delivered
        receive(ch, 3);
        receive(ch, 3);            // already waiting
        receive(ch, 2);
        receive(ch, 0);            // delivered long ago
        assertEquals(range(0, 3), delivered);
        assertEquals(3, ch.counters().duplicates());
        assertEquals(0, ch.counters().stale());
    }

    @Test
    void packetsArrivingAfterTheirGapWasGivenUpAreStale() {
        GreChannel ch = channel();
        receive(ch, 0);
        receive(ch, 2);
        clock.advanceMillis(100);
        pollUnchecked(ch);
        receive(ch, 1);            // too late: 2 has gone to PPP already
        assertEquals(List.of(0, 2), delivered);
        assertEquals(1, ch.counters().stale());
        assertEquals(1, ch.counters().lost());
    }

    @Test
    void packetsFurtherBehindThanTheWindowAreStale() {
        GreChannel ch = channel();
        for (int s = 0; s <= 100; s++) {
            receive(ch, s);
        }
        receive(ch, 5);
        receive(ch, 101 + 0x80000000); // exactly half the space away is ambiguous: treated as behind, never a jump
        assertEquals(101, delivered.size());
        assertEquals(2, ch.counters().stale());
    }

    @Test
    void aGapIsGivenUpAfterTheReorderTimeout() throws IOException {
        GreChannel ch = channel();
        receive(ch, 0);
        receive(ch, 2);
        receive(ch, 3);
        assertEquals(List.of(0), delivered);
        assertEquals(100 * MS, ch.nextDeadline());

        clock.advanceMillis(99);
        ch.poll();
        assertEquals(List.of(0), delivered, "still waiting for 1");

        clock.advanceMillis(1);
        ch.poll();
        assertEquals(List.of(0, 2, 3), delivered);
        assertEquals(1, ch.counters().lost());
        assertEquals(2, ch.counters().reordered());
    }

    @Test
    void eachHeldPacketWaitsAtMostTheTimeoutFromItsOwnArrival() throws IOException {
        GreChannel ch = channel();
        receive(ch, 0);
        receive(ch, 2);            // waits for 1 from t=0
        clock.advanceMillis(60);
        receive(ch, 5);            // waits for 3, 4 from t=60
        clock.advanceMillis(40);
        ch.poll();
        assertEquals(List.of(0, 2), delivered);
        assertEquals(160 * MS, ch.nextDeadline());
        receive(ch, 3);            // fills part of the second gap
        clock.advanceMillis(60);
        ch.poll();
        assertEquals(List.of(0, 2, 3, 5), delivered);
        assertEquals(2, ch.counters().lost());
    }

    @Test
    void aGapFilledInTimeCostsNothing() throws IOException {
        GreChannel ch = channel();
        receive(ch, 0);
        receive(ch, 2);
        clock.advanceMillis(50);
        receive(ch, 1);
        clock.advanceMillis(100);
        ch.poll();
        assertEquals(range(0, 2), delivered);
        assertEquals(0, ch.counters().lost());
    }

    @Test
    void aPacketBeyondTheWindowFlushesAndJumps() {
        GreChannel ch = channel();
        receive(ch, 0);
        receive(ch, 2);
        receive(ch, 3);
        receive(ch, 1000);         // 999 ahead of the expected 1, window is 64
        assertEquals(List.of(0, 2, 3, 1000), delivered);
        assertEquals(1 + (999 - 3), ch.counters().lost());
        receive(ch, 1001);
        receive(ch, 1);
        assertEquals(List.of(0, 2, 3, 1000, 1001), delivered);
        assertEquals(1, ch.counters().stale());
    }

    @Test
    void theWindowEdgeIsExact() {
        GreChannel ch = channel(FROM_ONE.withReorderWindow(8));
        receive(ch, 0);
        receive(ch, 8);            // expected 1, 8 is offset 7: last slot, waits
        assertEquals(List.of(0), delivered);
        receive(ch, 9);            // offset 8: beyond, jumps
        assertEquals(List.of(0, 8, 9), delivered);
        assertEquals(7, ch.counters().lost());
    }

    @Test
    void theFirstPacketSetsTheExpectedSequence() {
        GreChannel ch = channel();
        receive(ch, 0x7654321);
        receive(ch, 0x7654322);
        assertEquals(List.of(0x7654321, 0x7654322), delivered);
        assertEquals(0, ch.counters().lost());
    }

    @Test
    void idleChannelNeedsNoTimer() throws IOException {
        GreChannel ch = channel();
        assertEquals(GreChannel.NO_DEADLINE, ch.nextDeadline());
        assertEquals(GreChannel.NO_DEADLINE, ch.poll());
    }

    // --- sending and acknowledgements ---

    @Test
    void sendWritesHeaderWithPeerCallIdAndNextSequence() throws IOException {
        GreChannel ch = channel();
        ch.send(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21}));
        ch.send(ByteBuffer.wrap(new byte[] {0x21, 0x45}));
        assertEquals(PEER, transport.last().destination());
        assertArrayEquals(HexFormat.of().parseHex(
                "30" + "01" + "880B"       // K S, Ver 1, PPP; no A: nothing received yet
                        + "0004" + "BEEF"  // payload length, peer's call ID
                        + "00000001"       // first sequence number is 1
                        + "FF03C021"), transport.sent.get(0).bytes());
        assertArrayEquals(HexFormat.of().parseHex("3001880B0002BEEF000000022145"), transport.sent.get(1).bytes());
        assertEquals(2, ch.counters().txPackets());
        assertEquals(6, ch.counters().txBytes());
    }

    @Test
    void sendLeavesTheCallersFrameUntouched() throws IOException {
        GreChannel ch = channel();
        ByteBuffer frame = ByteBuffer.wrap(new byte[] {1, 2, 3});
        ch.send(frame);
        assertEquals(0, frame.position());
        assertEquals(3, frame.remaining());
    }

    @Test
    void sendRejectsEmptyAndOversizedFrames() {
        GreChannel ch = channel();
        assertThrows(IllegalArgumentException.class, () -> ch.send(ByteBuffer.allocate(0)));
        assertThrows(IllegalArgumentException.class, () -> ch.send(ByteBuffer.allocate(65536)));
        assertTrue(transport.sent.isEmpty());
    }

    @Test
    void largeFramesAreSentWhole() throws IOException {
        GreChannel ch = channel();
        byte[] big = new byte[65535];
        new Random(1).nextBytes(big);
        ch.send(ByteBuffer.wrap(big));
        byte[] sent = transport.last().bytes();
        assertEquals(12 + 65535, sent.length);
        assertArrayEquals(big, java.util.Arrays.copyOfRange(sent, 12, sent.length));
    }

    @Test
    void receivedDataIsAcknowledgedOnTheNextDataPacketOnce() throws IOException {
        GreChannel ch = channel();
        receive(ch, 41);
        receive(ch, 42);
        ch.send(ByteBuffer.wrap(new byte[] {7}));
        assertArrayEquals(HexFormat.of().parseHex(
                "30" + "81" + "880B" + "0001" + "BEEF"
                        + "00000001"       // sequence
                        + "0000002A"       // ack 42: highest received
                        + "07"), transport.last().bytes());
        ch.send(ByteBuffer.wrap(new byte[] {8}));
        assertEquals(0x01, transport.last().bytes()[1], "nothing new to acknowledge: A clear");
        assertEquals(GreChannel.NO_DEADLINE, ch.nextDeadline());
    }

    @Test
    void aReplySentFromTheSinkCarriesTheAckOfWhatTriggeredIt() {
        List<GreChannel> self = new ArrayList<>();
        GreChannel ch = new GreChannel(LOCAL_CALL, PEER_CALL, PEER, transport, clock, FROM_ONE,
                payload -> {
                    try {
                        self.getFirst().send(ByteBuffer.wrap(new byte[] {9}));
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
        self.add(ch);
        receive(ch, 77);
        GreHeader reply = GreCodec.decode(ByteBuffer.wrap(transport.last().bytes()));
        assertTrue(reply.ackPresent());
        assertEquals(77, reply.ack());
    }

    @Test
    void anAckOnlyPacketGoesOutAfterTheAckDelayWhenWeHaveNothingToSend() throws IOException {
        GreChannel ch = channel();
        clock.advanceMillis(5);
        receive(ch, 7);
        assertEquals(105 * MS, ch.nextDeadline());
        clock.advanceMillis(99);
        ch.poll();
        assertTrue(transport.sent.isEmpty());
        clock.advanceMillis(1);
        assertEquals(GreChannel.NO_DEADLINE, ch.poll());
        assertArrayEquals(HexFormat.of().parseHex(
                "20" + "81" + "880B"       // K, no S; A, Ver 1; PPP
                        + "0000" + "BEEF"  // no payload, peer's call ID
                        + "00000007"),     // ack 7
                transport.last().bytes());
        assertEquals(1, ch.counters().ackOnlySent());
        clock.advanceMillis(500);
        ch.poll();
        assertEquals(1, transport.sent.size(), "one ack per owed acknowledgement");
    }

    @Test
    void theAckNamesTheHighestReceivedEvenWhileAGapWaits() throws IOException {
        GreChannel ch = channel();
        receive(ch, 0);
        receive(ch, 2);
        clock.advanceMillis(100);
        ch.poll();
        GreHeader ack = GreCodec.decode(ByteBuffer.wrap(transport.sent.getFirst().bytes()));
        assertEquals(GreHeader.ackOnly(PEER_CALL, 2), ack);
    }

    @Test
    void duplicatesAndStalePacketsOweNoAck() throws IOException {
        GreChannel ch = channel();
        receive(ch, 5);
        ch.send(ByteBuffer.wrap(new byte[] {1}));
        receive(ch, 5);
        receive(ch, 1);
        assertEquals(GreChannel.NO_DEADLINE, ch.nextDeadline());
        clock.advanceMillis(1000);
        ch.poll();
        assertEquals(1, transport.sent.size());
    }

    @Test
    void oneWayTrafficIsAcknowledgedEveryAckEveryPackets() {
        GreChannel ch = channel(FROM_ONE.withAckEvery(4));
        for (int s = 0; s < 10; s++) {
            receive(ch, s);
        }
        assertEquals(2, transport.sent.size(), "acks after 4 and 8 packets, no timer needed");
        assertEquals(GreHeader.ackOnly(PEER_CALL, 7), GreCodec.decode(ByteBuffer.wrap(transport.last().bytes())));
    }

    @Test
    void peerAcksTrackWhatIsOutstanding() throws IOException {
        GreChannel ch = channel();
        for (int i = 0; i < 5; i++) {
            ch.send(ByteBuffer.wrap(new byte[] {1}));  // sequence numbers 1..5
        }
        assertEquals(5, ch.unacknowledged());
        ch.receive(GreHeader.ackOnly(LOCAL_CALL, 3), ByteBuffer.allocate(0));
        assertEquals(2, ch.unacknowledged());
        ch.receive(GreHeader.ackOnly(LOCAL_CALL, 9), ByteBuffer.allocate(0));  // never sent
        assertEquals(2, ch.unacknowledged());
        ch.receive(GreHeader.ackOnly(LOCAL_CALL, 2), ByteBuffer.allocate(0));  // older
        assertEquals(2, ch.unacknowledged());
        ByteBuffer payload = ByteBuffer.allocate(4);
        ch.receive(GreHeader.data(LOCAL_CALL, 4, 100, 5), payload);               // piggybacked
        assertEquals(0, ch.unacknowledged());
        assertEquals(3, ch.counters().ackOnlyReceived());
    }

    @Test
    void acksWorkAcrossTheSequenceWrap() throws IOException {
        GreChannel ch = channel(FROM_ONE.withFirstSendSequence(0xFFFFFFFE));
        for (int i = 0; i < 4; i++) {
            // 0xFFFFFFFE, then 0xFFFFFFFF spent on the wrap's LCP Discard-Request (SequenceWrapTest), 0, 1, 2
            ch.send(ByteBuffer.wrap(new byte[] {1}));
        }
        assertEquals(2, GreCodec.decode(ByteBuffer.wrap(transport.last().bytes())).sequence());
        ch.receive(GreHeader.ackOnly(LOCAL_CALL, 0xFFFFFFFF), ByteBuffer.allocate(0));
        assertEquals(3, ch.unacknowledged());
        ch.receive(GreHeader.ackOnly(LOCAL_CALL, 2), ByteBuffer.allocate(0));
        assertEquals(0, ch.unacknowledged());
    }

    @Test
    void aFailedSendUsesNoSequenceNumberAndKeepsTheAckOwed() throws IOException {
        GreChannel ch = channel();
        receive(ch, 3);
        transport.failNext = true;
        assertThrows(IOException.class, () -> ch.send(ByteBuffer.wrap(new byte[] {1})));
        ch.send(ByteBuffer.wrap(new byte[] {1}));
        GreHeader h = GreCodec.decode(ByteBuffer.wrap(transport.last().bytes()));
        assertEquals(GreHeader.data(PEER_CALL, 1, 1, 3), h);
        assertEquals(1, ch.counters().txPackets());
    }

    /**
     * Android's PPTP client (the PPPoPNS driver of Android 4 to 11) expects our first packet to be
     * numbered 0 and holds any later number until a packet arrives a second afterwards: with 1, our
     * first LCP Configure-Request waited for its own retransmission, 3 s later, on every call.
     */
    @Test
    void withTheDefaultsTheFirstPacketIsNumbered0() throws IOException {
        GreChannel ch = channel(GreChannelConfig.DEFAULTS);
        ch.send(ByteBuffer.wrap(new byte[] {1}));
        assertEquals(GreHeader.data(PEER_CALL, 1, 0), GreCodec.decode(ByteBuffer.wrap(transport.last().bytes())));
    }

    @Test
    void aFailedSendWithNoAckOwedLeavesNothingOutstanding() throws IOException {
        GreChannel ch = channel();
        ch.send(ByteBuffer.wrap(new byte[] {1}));
        ch.receive(GreHeader.ackOnly(LOCAL_CALL, 1), ByteBuffer.allocate(0));
        transport.failNext = true;
        assertThrows(IOException.class, () -> ch.send(ByteBuffer.wrap(new byte[] {2})));
        // The lost packet never reached the peer: nothing waits for its acknowledgement, and the
        // peer's ack of packet 1 still covers everything sent.
        assertEquals(0, ch.unacknowledged());
        ch.send(ByteBuffer.wrap(new byte[] {3}));
        assertEquals(GreHeader.data(PEER_CALL, 1, 2), GreCodec.decode(ByteBuffer.wrap(transport.last().bytes())));
        assertEquals(1, ch.unacknowledged());
    }

    @Test
    void packetsReceivedWhileASendIsInItsSystemCallStayOwed() throws IOException {
        GreChannel ch = channel();
        receive(ch, 1);
        // The receive thread does not wait for the sender's system call any more: what it takes
        // meanwhile is not covered by the ack already written into the packet being sent.
        transport.duringNextSend = () -> receive(ch, 2);
        ch.send(ByteBuffer.wrap(new byte[] {1}));
        assertEquals(GreHeader.data(PEER_CALL, 1, 1, 1), GreCodec.decode(ByteBuffer.wrap(transport.last().bytes())));
        assertTrue(ch.nextDeadline() != GreChannel.NO_DEADLINE, "packet 2 is still owed an ack");
        ch.send(ByteBuffer.wrap(new byte[] {2}));
        assertEquals(GreHeader.data(PEER_CALL, 1, 2, 2), GreCodec.decode(ByteBuffer.wrap(transport.last().bytes())));
        assertEquals(GreChannel.NO_DEADLINE, ch.nextDeadline());
    }

    @Test
    void thePeersAckOfAPacketStillInItsSendSystemCallCounts() throws IOException {
        GreChannel ch = channel();
        ch.send(ByteBuffer.wrap(new byte[] {1}));
        // The peer answers packet 2 before our send call returns (another process, another core).
        transport.duringNextSend = () -> ch.receive(GreHeader.ackOnly(LOCAL_CALL, 2), ByteBuffer.allocate(0));
        ch.send(ByteBuffer.wrap(new byte[] {2}));
        assertEquals(0, ch.unacknowledged());
    }

    @Test
    void batchedSendsTakeConsecutiveSequenceNumbersAndLeaveOnFlush() throws IOException {
        GreChannel ch = channel();
        receive(ch, 9);
        for (int i = 0; i < 5; i++) {
            ch.sendBatched(ByteBuffer.wrap(new byte[] {(byte) i}));
        }
        assertTrue(transport.sent.isEmpty(), "held by the transport until the flush");
        assertEquals(GreChannel.NO_DEADLINE, ch.nextDeadline(), "the ack went into the first held packet");
        assertEquals(0, ch.flush());
        assertEquals(5, transport.sent.size());
        for (int i = 0; i < 5; i++) {
            GreHeader h = GreCodec.decode(ByteBuffer.wrap(transport.sent.get(i).bytes()));
            assertEquals(i + 1, h.sequence());
            assertEquals(i == 0, h.ackPresent());
        }
        assertEquals(5, ch.counters().txPackets());
    }

    @Test
    void aPayloadDisagreeingWithItsHeaderIsCountedMalformed() {
        GreChannel ch = channel();
        ch.receive(GreHeader.data(LOCAL_CALL, 4, 1), ByteBuffer.allocate(3));
        assertTrue(delivered.isEmpty());
        assertEquals(1, ch.counters().malformed());
    }

    @Test
    void configRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> FROM_ONE.withReorderWindow(0));
        assertThrows(IllegalArgumentException.class,
                () -> FROM_ONE.withReorderTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> FROM_ONE.withAckDelay(Duration.ofSeconds(11)));
        assertThrows(IllegalArgumentException.class, () -> FROM_ONE.withAckEvery(0));
    }

    private static void pollUnchecked(GreChannel ch) {
        try {
            ch.poll();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Held back (a newer call shares the peer's address and Call ID): nothing goes out, no data
     * and no acknowledgement, and no sequence number is used up; receiving goes on, and the first
     * packet from the peer runs the holder's check before it is taken. Released, the numbers go on.
     */
    @Test
    void heldBackAChannelSendsNothingAndTellsOfThePeersPacketsUntilReleased() throws IOException {
        GreChannel ch = channel();
        ch.send(ByteBuffer.wrap(new byte[] {0x21, 1}));
        List<String> heard = new ArrayList<>();
        ch.holdOutput(() -> heard.add("heard with " + delivered.size() + " delivered"));
        assertTrue(ch.outputHeld());
        ch.send(ByteBuffer.wrap(new byte[] {0x21, 2}));
        ch.sendBatched(ByteBuffer.wrap(new byte[] {0x21, 3}));
        ch.flush();
        assertEquals(1, transport.sent.size(), "only the packet sent before the hold");

        receive(ch, 7);
        assertEquals(List.of("heard with 0 delivered"), heard, "told before the packet is taken");
        assertEquals(List.of(7), delivered, "received as ever");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(GreChannel.NO_DEADLINE, ch.poll(), "the owed acknowledgement dropped, not owed at every tick");
        assertEquals(1, transport.sent.size(), "no acknowledgement either");
        assertEquals(1, ch.counters().txPackets());

        ch.releaseOutput();
        ch.send(ByteBuffer.wrap(new byte[] {0x21, 4}));
        assertEquals(2, transport.sent.size());
        assertEquals(2, GreCodec.decode(ByteBuffer.wrap(transport.last().bytes())).sequence(),
                "no number was used up while held back");
        receive(ch, 8);
        assertEquals(1, heard.size(), "told only while held back");
    }
}
