package org.homerouter.pptp.control;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.homerouter.pptp.control.MalformedControlMessageException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlMessageCodecTest {

    /** 64 distinct printable characters: fills a name field with no NUL terminator. */
    private static final String TEXT_64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-";
    private static final String DIGITS_64 = "0123456789".repeat(7).substring(0, 64);
    private static final String TEXT_128 = TEXT_64 + new StringBuilder(TEXT_64).reverse();

    /** One of each type, with the extreme values: 0xFFFF, 32-bit patterns with the top bit set, full text fields. */
    static List<ControlMessage> extremeMessages() {
        return List.of(
                new StartControlConnectionRequest(0xFFFF, 0x80000003, 0xFFFFFFFF, 0xFFFF, 0xFFFF, TEXT_64, TEXT_64),
                new StartControlConnectionReply(0xFFFF, 0xFF, 0xFF, 0x80000001, 0xFFFFFFFF, 0xFFFF, 0xFFFF, TEXT_64, "v"),
                new StopControlConnectionRequest(0xFF),
                new StopControlConnectionReply(0xFF, 0xFF),
                new EchoRequest(0xFFFFFFFF),
                new EchoReply(0x80000000, 0xFF, 0xFF),
                new OutgoingCallRequest(0xFFFF, 0xFFFF, 0x80000000, 0xFFFFFFFF, 0x80000002, 0x80000003, 0xFFFF, 0xFFFF, DIGITS_64, TEXT_64),
                new OutgoingCallReply(0xFFFF, 0xFFFE, 0xFF, 0xFF, 0xFFFF, 0x80000000, 0xFFFF, 0xFFFF, 0xFFFFFFFF),
                new IncomingCallRequest(0xFFFF, 0xFFFF, 0x80000001, 0xFFFFFFFF, DIGITS_64, DIGITS_64, TEXT_64),
                new IncomingCallReply(0xFFFF, 0xFFFF, 0xFF, 0xFF, 0xFFFF, 0xFFFF),
                new IncomingCallConnected(0xFFFF, 0xFFFFFFFF, 0xFFFF, 0xFFFF, 0x80000000),
                new CallClearRequest(0xFFFF),
                new CallDisconnectNotify(0xFFFF, 0xFF, 0xFF, 0xFFFF, TEXT_128),
                new WanErrorNotify(0xFFFF, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 1, 0x80000001, 0xFFFFFFFE),
                new SetLinkInfo(0xFFFF, 0x80000000, 0xFFFFFFFF));
    }

    @Test
    void extremeMessagesCoverAllFifteenTypes() {
        Set<ControlMessageType> covered = extremeMessages().stream().map(ControlMessage::type).collect(Collectors.toSet());
        assertEquals(EnumSet.allOf(ControlMessageType.class), covered);
    }

    @ParameterizedTest
    @MethodSource("extremeMessages")
    void roundTripsWithExtremeValues(ControlMessage m) {
        byte[] wire = ControlMessageCodec.encode(m);
        assertEquals(m.type().length(), wire.length, "fixed length of " + m.type().abbreviation());
        assertEquals(m.type().length(), ((wire[0] & 0xFF) << 8) | (wire[1] & 0xFF), "Length field");
        assertEquals(m.type().code(), ((wire[8] & 0xFF) << 8) | (wire[9] & 0xFF), "Control Message Type field");
        assertEquals(m, ControlMessageCodec.decode(Unpooled.wrappedBuffer(wire)));
    }

    // ---- hostile headers ------------------------------------------------------------------------

    private static MalformedControlMessageException rejected(byte[] frame) {
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        int before = buf.readerIndex();
        var e = assertThrows(MalformedControlMessageException.class, () -> ControlMessageCodec.decode(buf));
        assertEquals(before, buf.readerIndex(), "a rejected frame is left unread");
        return e;
    }

    @Test
    void everyUnknownControlTypeIsRejected() {
        byte[] frame = WireFixtures.hex("0010 0001" + WireFixtures.MAGIC + "0000 0000 00000000"); // 16 octets
        for (int code = 0; code <= 0xFFFF; code = code == 0 ? 16 : code + 1) {
            frame[8] = (byte) (code >> 8);
            frame[9] = (byte) code;
            ByteBuf buf = Unpooled.wrappedBuffer(frame);
            try {
                ControlMessageCodec.decode(buf);
                throw new AssertionError("Control Message Type " + code + " was accepted");
            } catch (MalformedControlMessageException e) {
                if (e.reason() != Reason.UNKNOWN_CONTROL_TYPE) {
                    throw new AssertionError("Control Message Type " + code + ": " + e.reason(), e);
                }
            }
        }
        frame[8] = (byte) 0xFF;
        frame[9] = (byte) 0xFF;
        assertTrue(rejected(frame).getMessage().contains("65535"), "message names the type seen");
    }

    @Test
    void badMagicCookieIsRejected() {
        byte[] frame = WireFixtures.ECHORQ.clone();
        frame[7] = 0x4E; // 0x1A2B3C4E
        var e = rejected(frame);
        assertEquals(Reason.BAD_MAGIC_COOKIE, e.reason());
        assertTrue(e.getMessage().contains("0x1A2B3C4E"), e.getMessage());
    }

    @Test
    void managementMessageTypeIsRejected() {
        byte[] frame = WireFixtures.ECHORQ.clone();
        frame[3] = 2; // PPTP Message Type 2 (management)
        var e = rejected(frame);
        assertEquals(Reason.BAD_MESSAGE_TYPE, e.reason());
        assertTrue(e.getMessage().contains("Type 2"), e.getMessage());
    }

    @Test
    void lengthThatIsNotTheTypesLengthIsRejected() {
        // SCCRQ header claiming 16 octets, with 4 body octets.
        var sccrq16 = rejected(WireFixtures.hex("0010 0001" + WireFixtures.MAGIC + "0001 0000 0100 0000"));
        assertEquals(Reason.LENGTH_MISMATCH, sccrq16.reason());
        assertTrue(sccrq16.getMessage().contains("SCCRQ") && sccrq16.getMessage().contains("156")
                && sccrq16.getMessage().contains("16"), sccrq16.getMessage());
        // Echo-Request claiming 20 octets (Echo-Reply's length).
        var echo20 = rejected(WireFixtures.hex("0014 0001" + WireFixtures.MAGIC + "0005 0000 8000002A 00000000"));
        assertEquals(Reason.LENGTH_MISMATCH, echo20.reason());
        assertTrue(echo20.getMessage().contains("Echo-Request"), echo20.getMessage());
    }

    @Test
    void frameSizeThatDisagreesWithLengthFieldIsRejected() {
        byte[] longer = new byte[WireFixtures.ECHORQ.length + 1];
        System.arraycopy(WireFixtures.ECHORQ, 0, longer, 0, WireFixtures.ECHORQ.length);
        assertEquals(Reason.LENGTH_MISMATCH, rejected(longer).reason());
        byte[] truncated = java.util.Arrays.copyOf(WireFixtures.SCCRQ, 100);
        var e = rejected(truncated);
        assertEquals(Reason.LENGTH_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("156") && e.getMessage().contains("100"), e.getMessage());
    }

    @Test
    void framesShorterThanTheHeaderAreRejected() {
        for (int size = 0; size < ControlProtocol.HEADER_LENGTH; size++) {
            byte[] frame = java.util.Arrays.copyOf(WireFixtures.ECHORQ, size);
            assertEquals(Reason.TOO_SHORT, rejected(frame).reason(), "size " + size);
        }
    }

    // ---- liberal parts --------------------------------------------------------------------------

    /** Offsets of every reserved octet outside the header, per RFC 2637 §2.1–2.15. */
    private static final Map<byte[], int[]> BODY_RESERVED = Map.ofEntries(
            Map.entry(WireFixtures.SCCRQ, new int[] {14, 15}),
            Map.entry(WireFixtures.STOPCCRQ, new int[] {13, 14, 15}),
            Map.entry(WireFixtures.STOPCCRP, new int[] {14, 15}),
            Map.entry(WireFixtures.ECHORP, new int[] {18, 19}),
            Map.entry(WireFixtures.OCRQ, new int[] {38, 39}),
            Map.entry(WireFixtures.ICRP, new int[] {22, 23}),
            Map.entry(WireFixtures.ICCN, new int[] {14, 15}),
            Map.entry(WireFixtures.CCRQ, new int[] {14, 15}),
            Map.entry(WireFixtures.CDN, new int[] {18, 19}),
            Map.entry(WireFixtures.WEN, new int[] {14, 15}),
            Map.entry(WireFixtures.SLI, new int[] {14, 15}));

    static List<byte[]> allFixtures() {
        return List.of(WireFixtures.SCCRQ, WireFixtures.SCCRP, WireFixtures.STOPCCRQ, WireFixtures.STOPCCRP,
                WireFixtures.ECHORQ, WireFixtures.ECHORP, WireFixtures.OCRQ, WireFixtures.OCRP, WireFixtures.ICRQ,
                WireFixtures.ICRP, WireFixtures.ICCN, WireFixtures.CCRQ, WireFixtures.CDN, WireFixtures.WEN,
                WireFixtures.SLI);
    }

    @ParameterizedTest
    @MethodSource("allFixtures")
    void nonZeroReservedFieldsAreIgnoredAndWrittenAsZero(byte[] fixture) {
        ControlMessage clean = ControlMessageCodec.decode(Unpooled.wrappedBuffer(fixture));
        byte[] dirty = fixture.clone();
        dirty[10] = (byte) 0xFF; // Reserved0
        dirty[11] = (byte) 0xFF;
        for (int offset : BODY_RESERVED.getOrDefault(fixture, new int[0])) {
            dirty[offset] = (byte) 0xA5;
        }
        ControlMessage m = ControlMessageCodec.decode(Unpooled.wrappedBuffer(dirty));
        assertEquals(clean, m);
        assertArrayEquals(fixture, ControlMessageCodec.encode(m), "reserved octets go out as zero");
    }

    private static StartControlConnectionRequest sccrqWithHostName(String hostNameHex) {
        byte[] frame = WireFixtures.SCCRQ.clone();
        java.util.Arrays.fill(frame, 28, 92, (byte) 0);
        byte[] host = WireFixtures.hex(hostNameHex);
        System.arraycopy(host, 0, frame, 28, host.length);
        return assertInstanceOf(StartControlConnectionRequest.class, ControlMessageCodec.decode(Unpooled.wrappedBuffer(frame)));
    }

    @Test
    void nonAsciiHostNameIsAcceptedWithQuestionMarks() {
        // "café-ÿ" in Latin-1, then UTF-8 "é" (C3 A9): each non-ASCII octet becomes one '?'.
        assertEquals("caf?-? ??", sccrqWithHostName("636166E9 2D FF 20 C3A9").hostName());
    }

    @Test
    void controlCharactersInHostNameCannotForgeLogLines() {
        assertEquals("a??b?", sccrqWithHostName("61 0D0A 62 7F").hostName());
    }

    @Test
    void textEndsAtFirstNul() {
        assertEquals("pc", sccrqWithHostName("7063 00 6761726261676565").hostName());
    }

    @Test
    void textFillingTheWholeFieldNeedsNoNul() {
        byte[] frame = WireFixtures.CDN.clone();
        for (int i = 20; i < 148; i++) {
            frame[i] = 'x';
        }
        var m = assertInstanceOf(CallDisconnectNotify.class, ControlMessageCodec.decode(Unpooled.wrappedBuffer(frame)));
        assertEquals("x".repeat(128), m.callStatistics());
    }

    private static OutgoingCallRequest ocrqWithPhoneNumberLength(int length) {
        byte[] frame = WireFixtures.OCRQ.clone(); // Phone Number "5551234"
        frame[36] = (byte) (length >> 8);
        frame[37] = (byte) length;
        return assertInstanceOf(OutgoingCallRequest.class, ControlMessageCodec.decode(Unpooled.wrappedBuffer(frame)));
    }

    @Test
    void phoneNumberLengthCapsThePhoneNumber() {
        assertEquals("555", ocrqWithPhoneNumberLength(3).phoneNumber());
        assertEquals("", ocrqWithPhoneNumberLength(0).phoneNumber());
        // A length beyond the text (or beyond the 64-octet field) does not reach past the NUL.
        assertEquals("5551234", ocrqWithPhoneNumberLength(8).phoneNumber());
        assertEquals("5551234", ocrqWithPhoneNumberLength(0xFFFF).phoneNumber());
        // The cap never shifts the fields after it.
        assertEquals("", ocrqWithPhoneNumberLength(3).subaddress());
    }

    @Test
    void dialedAndDialingNumberLengthsCapTheirNumbers() {
        byte[] frame = WireFixtures.ICRQ.clone(); // Dialed "100", Dialing "2000", Subaddress "7"
        frame[25] = 1; // Dialed Number Length 1
        frame[27] = 2; // Dialing Number Length 2
        var m = assertInstanceOf(IncomingCallRequest.class, ControlMessageCodec.decode(Unpooled.wrappedBuffer(frame)));
        assertEquals("1", m.dialedNumber());
        assertEquals("20", m.dialingNumber());
        assertEquals("7", m.subaddress());
    }

    @Test
    void encoderWritesTheNumberLengths() {
        byte[] wire = ControlMessageCodec.encode(
                new OutgoingCallRequest(1, 1, 0, 0, 1, 1, 1, 0, "12345", ""));
        assertEquals(0, wire[36]);
        assertEquals(5, wire[37]);
        byte[] icrq = ControlMessageCodec.encode(
                new IncomingCallRequest(1, 1, 1, 0, "123456789", "12", ""));
        assertEquals(9, ((icrq[24] & 0xFF) << 8) | (icrq[25] & 0xFF));
        assertEquals(2, ((icrq[26] & 0xFF) << 8) | (icrq[27] & 0xFF));
    }
}
