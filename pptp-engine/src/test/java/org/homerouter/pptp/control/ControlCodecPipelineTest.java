package org.homerouter.pptp.control;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.homerouter.pptp.control.MalformedControlMessageException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The installed pipeline against a TCP stream: framing, and what a hostile peer can make it do. */
@Timeout(10)
class ControlCodecPipelineTest {

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ControlCodec.addTo(ch.pipeline());
        channels.add(ch);
        return ch;
    }

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static ControlMessage parsed(byte[] fixture) {
        return ControlMessageCodec.decode(Unpooled.wrappedBuffer(fixture));
    }

    private static List<Object> drainInbound(EmbeddedChannel ch) {
        List<Object> all = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            all.add(m);
        }
        return all;
    }

    // ---- installation and the happy path ------------------------------------------------------

    @Test
    void installsFrameDecodeAndEncodeInOrderSoHandlersGoAfter() {
        EmbeddedChannel ch = channel();
        assertEquals(List.of(ControlCodec.FRAME, ControlCodec.DECODE, ControlCodec.ENCODE),
                ch.pipeline().names().subList(0, 3));
        assertTrue(ch.pipeline().get(ControlCodec.FRAME) instanceof ControlFrameDecoder);
        assertTrue(ch.pipeline().get(ControlCodec.DECODE) instanceof ControlMessageDecoder);
        assertTrue(ch.pipeline().get(ControlCodec.ENCODE) instanceof ControlMessageEncoder);
    }

    @Test
    void outboundMessagesGoOutInWireForm() {
        EmbeddedChannel ch = channel();
        ch.writeOutbound(new EchoRequest(0x8000002A), new SetLinkInfo(0x0080, 0xFFFFFFFF, 0));
        ByteBuf first = ch.readOutbound();
        ByteBuf second = ch.readOutbound();
        try {
            assertArrayEquals(WireFixtures.ECHORQ, ByteBufUtil.getBytes(first));
            assertArrayEquals(WireFixtures.SLI, ByteBufUtil.getBytes(second));
        } finally {
            first.release();
            second.release();
        }
    }

    @Test
    void messageArrivingOneOctetAtATime() {
        EmbeddedChannel ch = channel();
        byte[] wire = WireFixtures.SCCRQ;
        for (int i = 0; i < wire.length - 1; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(wire, i, 1));
            assertNull(ch.readInbound(), "nothing before the last octet; octet " + i);
        }
        ch.writeInbound(Unpooled.wrappedBuffer(wire, wire.length - 1, 1));
        assertEquals(List.of(parsed(wire)), drainInbound(ch));
    }

    @Test
    void threeMessagesInOneSegment() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(concat(WireFixtures.SCCRQ, WireFixtures.ECHORQ, WireFixtures.CDN)));
        assertEquals(List.of(parsed(WireFixtures.SCCRQ), parsed(WireFixtures.ECHORQ), parsed(WireFixtures.CDN)),
                drainInbound(ch));
    }

    @Test
    void messagesSplitAcrossTwoSegmentsAtEveryOffset() {
        byte[] stream = concat(WireFixtures.SCCRQ, WireFixtures.ECHORQ);
        List<Object> expected = List.of(parsed(WireFixtures.SCCRQ), parsed(WireFixtures.ECHORQ));
        for (int split = 0; split <= stream.length; split++) {
            EmbeddedChannel ch = channel();
            ch.writeInbound(Unpooled.wrappedBuffer(stream, 0, split));
            int early = split >= WireFixtures.SCCRQ.length ? (split == stream.length ? 2 : 1) : 0;
            List<Object> got = drainInbound(ch);
            assertEquals(expected.subList(0, early), got, "after first segment, split " + split);
            ch.writeInbound(Unpooled.wrappedBuffer(stream, split, stream.length - split));
            got.addAll(drainInbound(ch));
            assertEquals(expected, got, "split " + split);
        }
    }

    // ---- hostile streams ----------------------------------------------------------------------

    /** Asserts that writing {@code wire} raises the given reason, emits nothing, and retains nothing. */
    private static void assertRejected(EmbeddedChannel ch, byte[] wire, Reason reason) {
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        var e = assertThrows(MalformedControlMessageException.class, () -> ch.writeInbound(in));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(0, in.refCnt(), "the decoder keeps none of the input");
        assertNull(ch.readInbound(), "no message from a rejected stream");
    }

    /** After a rejection, even a perfectly valid message is discarded silently. */
    private static void assertSpent(EmbeddedChannel ch) {
        ByteBuf valid = Unpooled.wrappedBuffer(WireFixtures.ECHORQ);
        assertFalse(ch.writeInbound(valid), "nothing decoded after the error");
        assertEquals(0, valid.refCnt());
        assertNull(ch.readInbound());
    }

    @Test
    void lengthZeroThenFifteenHundredOctetsYieldsOneErrorAndNothingElse() {
        // PoPToP CAN-2003-0213: Length 0, then 1500 octets; the garbage here is made of valid
        // Echo-Requests, which must not be decoded once the stream has lost framing.
        byte[] garbage = new byte[1500];
        for (int at = 0; at + WireFixtures.ECHORQ.length <= garbage.length; at += WireFixtures.ECHORQ.length) {
            System.arraycopy(WireFixtures.ECHORQ, 0, garbage, at, WireFixtures.ECHORQ.length);
        }
        EmbeddedChannel ch = channel();
        assertRejected(ch, concat(WireFixtures.hex("0000"), garbage), Reason.TOO_SHORT);
        assertTrue(((ControlFrameDecoder) ch.pipeline().get(ControlCodec.FRAME)).isFailed());
        ByteBuf more = Unpooled.wrappedBuffer(garbage);
        assertFalse(ch.writeInbound(more));
        assertEquals(0, more.refCnt());
        assertSpent(ch);
    }

    @Test
    void lengthZeroAloneIsRejectedAtOnceAndTheFollowingSegmentIsDiscarded() {
        EmbeddedChannel ch = channel();
        assertRejected(ch, WireFixtures.hex("0000"), Reason.TOO_SHORT);
        ByteBuf rest = Unpooled.wrappedBuffer(concat(new byte[1500 - WireFixtures.ECHORQ.length], WireFixtures.ECHORQ));
        assertFalse(ch.writeInbound(rest));
        assertEquals(0, rest.refCnt());
        assertNull(ch.readInbound());
    }

    @Test
    void lengthsShorterThanTheHeaderAreRejectedAsSoonAsTheLengthArrives() {
        for (int length : new int[] {8, 2, 1, 11}) {
            byte[] lengthField = {(byte) (length >> 8), (byte) length};
            assertRejected(channel(), lengthField, Reason.TOO_SHORT);
            // And with a plausible header behind it (FreeBSD D57383's shape).
            EmbeddedChannel ch = channel();
            assertRejected(ch, concat(lengthField, WireFixtures.hex("0001" + WireFixtures.MAGIC + "0005 0000 8000002A")),
                    Reason.TOO_SHORT);
            assertSpent(ch);
        }
    }

    @Test
    void lengthBeyondTheLargestMessageIsRejectedBeforeItsOctetsAreBuffered() {
        for (int length : new int[] {221, 1500, 0xFFFF}) {
            EmbeddedChannel ch = channel();
            // Only the header arrives: the claimed 1500 octets are never waited for.
            byte[] header = WireFixtures.hex(String.format("%04X", length) + "0001" + WireFixtures.MAGIC + "0001 0000");
            assertRejected(ch, header, Reason.TOO_LONG);
            assertSpent(ch);
        }
    }

    @Test
    void largestMessageIsStillAccepted() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(WireFixtures.ICRQ)); // 220 octets, the maximum
        assertEquals(List.of(parsed(WireFixtures.ICRQ)), drainInbound(ch));
    }

    @Test
    void badMagicCookieStopsTheStream() {
        byte[] bad = WireFixtures.ECHORQ.clone();
        bad[4] = 0;
        EmbeddedChannel ch = channel();
        // The valid Echo-Request right behind the bad one is not trusted either.
        assertRejected(ch, concat(bad, WireFixtures.ECHORQ), Reason.BAD_MAGIC_COOKIE);
        assertTrue(((ControlMessageDecoder) ch.pipeline().get(ControlCodec.DECODE)).isFailed());
        assertSpent(ch);
    }

    @Test
    void anUnknownControlTypeIsSkippedAndTheStreamGoesOn() {
        // Type 16, 16 octets, sound header: pptpd and pptp-linux skip such a message.
        byte[] unknown = WireFixtures.hex("0010 0001" + WireFixtures.MAGIC + "0010 0000 00000000");
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(concat(WireFixtures.ECHORQ, unknown, WireFixtures.STOPCCRQ)));
        assertEquals(List.of(parsed(WireFixtures.ECHORQ), parsed(WireFixtures.STOPCCRQ)), drainInbound(ch));
        ControlMessageDecoder decoder = (ControlMessageDecoder) ch.pipeline().get(ControlCodec.DECODE);
        assertFalse(decoder.isFailed());
        assertEquals(1, decoder.skipped());
    }

    @Test
    void managementMessageTypeStopsTheStream() {
        byte[] management = WireFixtures.STOPCCRQ.clone();
        management[3] = 2;
        EmbeddedChannel ch = channel();
        assertRejected(ch, management, Reason.BAD_MESSAGE_TYPE);
        assertSpent(ch);
    }

    @Test
    void lengthMismatchingTheTypeStopsTheStream() {
        EmbeddedChannel sccrq = channel();
        assertRejected(sccrq, WireFixtures.hex("0010 0001" + WireFixtures.MAGIC + "0001 0000 0100 0000"), Reason.LENGTH_MISMATCH);
        assertSpent(sccrq);
        EmbeddedChannel echo = channel();
        assertRejected(echo, WireFixtures.hex("0014 0001" + WireFixtures.MAGIC + "0005 0000 8000002A 00000000"), Reason.LENGTH_MISMATCH);
        assertSpent(echo);
    }

    @Test
    void messagesBeforeTheGarbageAreStillDelivered() {
        EmbeddedChannel ch = channel();
        ByteBuf in = Unpooled.wrappedBuffer(concat(WireFixtures.ECHORQ, WireFixtures.hex("0000"), new byte[64]));
        var e = assertThrows(MalformedControlMessageException.class, () -> ch.writeInbound(in));
        assertEquals(Reason.TOO_SHORT, e.reason());
        assertEquals(List.of(parsed(WireFixtures.ECHORQ)), drainInbound(ch));
        assertEquals(0, in.refCnt());
    }

    @Test
    void connectionClosingMidMessageEmitsNothing() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOf(WireFixtures.SCCRQ, 100)));
        assertFalse(ch.finish(), "a partial message is not delivered on close");
    }
}
