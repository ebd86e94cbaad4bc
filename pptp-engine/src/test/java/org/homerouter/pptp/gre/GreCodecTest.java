package org.homerouter.pptp.gre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import org.homerouter.pptp.gre.MalformedGreException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GreCodecTest {

    private static byte[] hex(String... fields) {
        return HexFormat.of().parseHex(String.join("", fields).replace(" ", ""));
    }

    // Data packet with sequence and piggybacked ack, RFC 2637 §4.1 layout.
    private static final byte[] DATA_SEQ_ACK = hex(
            "30",          // C=0 R=0 K=1 S=1 s=0 Recur=000
            "81",          // A=1 Flags=0000 Ver=001
            "880B",        // Protocol Type: PPP
            "0004",        // Key (HW): payload length 4
            "1234",        // Key (LW): call ID 0x1234
            "0000002A",    // sequence number 42
            "FFFFFFFE",    // acknowledgment number 0xFFFFFFFE
            "FF03C021");   // payload: PPP address, control, LCP protocol

    // Data packet with sequence only.
    private static final byte[] DATA_SEQ = hex(
            "30",          // C=0 R=0 K=1 S=1 s=0 Recur=000
            "01",          // A=0 Flags=0000 Ver=001
            "880B",        // Protocol Type: PPP
            "0003",        // payload length 3
            "ABCD",        // call ID 0xABCD
            "80000001",    // sequence number 0x80000001 (high bit set: unsigned)
            "0102 03");    // payload

    // Acknowledgement-only packet: S=0, A=1, no payload; the ack takes the sequence number's place.
    private static final byte[] ACK_ONLY = hex(
            "20",          // C=0 R=0 K=1 S=0 s=0 Recur=000
            "81",          // A=1 Flags=0000 Ver=001
            "880B",        // Protocol Type: PPP
            "0000",        // payload length 0
            "0007",        // call ID 7
            "FFFFFFFF");   // acknowledgment number 0xFFFFFFFF

    @Test
    void decodesDataPacketWithSequenceAndAck() {
        ByteBuffer packet = ByteBuffer.wrap(DATA_SEQ_ACK);
        GreHeader h = GreCodec.decode(packet);
        assertEquals(new GreHeader(0x1234, 4, true, 42, true, 0xFFFFFFFE), h);
        assertEquals(16, h.headerLength());
        assertEquals(16, packet.position(), "position left at the payload");
        assertEquals((byte) 0xFF, packet.get(packet.position()));
    }

    @Test
    void decodesDataPacketWithSequenceOnly() {
        ByteBuffer packet = ByteBuffer.wrap(DATA_SEQ);
        GreHeader h = GreCodec.decode(packet);
        assertEquals(GreHeader.data(0xABCD, 3, 0x80000001), h);
        assertEquals(12, h.headerLength());
        assertEquals(12, packet.position());
        assertEquals("2147483649", Integer.toUnsignedString(h.sequence()));
    }

    @Test
    void decodesAckOnlyPacket() {
        ByteBuffer packet = ByteBuffer.wrap(ACK_ONLY);
        GreHeader h = GreCodec.decode(packet);
        assertEquals(GreHeader.ackOnly(7, 0xFFFFFFFF), h);
        assertTrue(h.isAckOnly());
        assertEquals(12, h.headerLength());
        assertEquals(0, packet.remaining());
    }

    @Test
    void decodesFromTheBufferPositionNotZero() {
        byte[] framed = new byte[3 + DATA_SEQ.length];
        System.arraycopy(DATA_SEQ, 0, framed, 3, DATA_SEQ.length);
        ByteBuffer packet = ByteBuffer.wrap(framed).position(3);
        assertEquals(GreHeader.data(0xABCD, 3, 0x80000001), GreCodec.decode(packet));
        assertEquals(15, packet.position());
    }

    @Test
    void toleratesTrailingPaddingBeyondPayloadLength() {
        byte[] padded = new byte[DATA_SEQ.length + 6];
        System.arraycopy(DATA_SEQ, 0, padded, 0, DATA_SEQ.length);
        ByteBuffer packet = ByteBuffer.wrap(padded);
        GreHeader h = GreCodec.decode(packet);
        assertEquals(3, h.payloadLength());
        assertEquals(9, packet.remaining(), "padding left for the caller to ignore");
    }

    @Test
    void encodesEachFormToTheRfcLayout() {
        assertArrayEquals(headerOf(DATA_SEQ_ACK, 16), encode(GreHeader.data(0x1234, 4, 42, 0xFFFFFFFE)));
        assertArrayEquals(headerOf(DATA_SEQ, 12), encode(GreHeader.data(0xABCD, 3, 0x80000001)));
        assertArrayEquals(ACK_ONLY, encode(GreHeader.ackOnly(7, 0xFFFFFFFF)));
    }

    @Test
    void encodesNetworkOrderEvenIntoALittleEndianBuffer() {
        ByteBuffer out = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        GreCodec.encode(GreHeader.data(0x1234, 4, 42, 0xFFFFFFFE), out);
        assertArrayEquals(headerOf(DATA_SEQ_ACK, 16), out.array());
        ByteBuffer in = ByteBuffer.wrap(DATA_SEQ_ACK).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x1234, GreCodec.decode(in).callId());
    }

    @Test
    void encodeLeavesPositionAfterHeader() {
        ByteBuffer out = ByteBuffer.allocate(32);
        GreCodec.encode(GreHeader.ackOnly(1, 2), out);
        assertEquals(12, out.position());
    }

    static java.util.stream.Stream<Arguments> invalidPackets() {
        return java.util.stream.Stream.of(
                Arguments.of("C bit", Reason.CHECKSUM_PRESENT, hex("B0 01 880B 0001 0001 00000001 AA")),
                Arguments.of("R bit", Reason.ROUTING_PRESENT, hex("70 01 880B 0001 0001 00000001 AA")),
                Arguments.of("K clear", Reason.KEY_ABSENT, hex("10 01 880B 0001 0001 00000001 AA")),
                Arguments.of("s bit", Reason.STRICT_SOURCE_ROUTE, hex("38 01 880B 0001 0001 00000001 AA")),
                Arguments.of("recur 1", Reason.RECURSION_NONZERO, hex("31 01 880B 0001 0001 00000001 AA")),
                Arguments.of("recur 4", Reason.RECURSION_NONZERO, hex("34 01 880B 0001 0001 00000001 AA")),
                Arguments.of("flags bit 12", Reason.FLAGS_NONZERO, hex("30 09 880B 0001 0001 00000001 AA")),
                Arguments.of("flags bit 9", Reason.FLAGS_NONZERO, hex("30 41 880B 0001 0001 00000001 AA")),
                Arguments.of("version 0", Reason.WRONG_VERSION, hex("30 00 880B 0001 0001 00000001 AA")),
                Arguments.of("version 2", Reason.WRONG_VERSION, hex("30 02 880B 0001 0001 00000001 AA")),
                Arguments.of("protocol IPv4", Reason.WRONG_PROTOCOL, hex("30 01 0800 0001 0001 00000001 AA")),
                Arguments.of("payload beyond buffer", Reason.PAYLOAD_TRUNCATED,
                        hex("30 01 880B 0005 0001 00000001 AABBCCDD")),
                Arguments.of("payload without S", Reason.PAYLOAD_WITHOUT_SEQUENCE,
                        hex("20 81 880B 0001 0001 00000009 AA")),
                Arguments.of("S without payload", Reason.SEQUENCE_WITHOUT_PAYLOAD,
                        hex("30 01 880B 0000 0001 00000001")),
                Arguments.of("neither S nor A", Reason.EMPTY, hex("20 01 880B 0000 0001")),
                Arguments.of("shorter than base header", Reason.TRUNCATED_HEADER, hex("30 01 880B 0001 00")),
                Arguments.of("S and A but ack missing", Reason.TRUNCATED_HEADER,
                        hex("30 81 880B 0000 0001 00000001")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPackets")
    void rejectsEveryBitSection41Fixes(String name, Reason reason, byte[] bytes) {
        ByteBuffer packet = ByteBuffer.wrap(bytes);
        MalformedGreException e = assertThrows(MalformedGreException.class, () -> GreCodec.decode(packet));
        assertEquals(reason, e.reason());
        assertEquals(0, packet.position(), "position untouched on failure");
    }

    /**
     * Every value of the two flag octets, with and without a payload, whole and one octet short:
     * the decoder accepts exactly the headers §4.1 allows (K set; C, R, s, Recur, Flags zero; Ver
     * 1; S exactly with a payload; S or A), reads them back as they were written, and refuses
     * the rest with a reason, never with another exception (which the receive path would log as
     * a failure instead of counting a malformed packet).
     */
    @Test
    void decodesExactlyTheHeadersSection41AllowsAndGivesAReasonForEveryOther() {
        int accepted = 0;
        for (int f1 = 0; f1 < 256; f1++) {
            for (int f2 = 0; f2 < 256; f2++) {
                for (int payload : new int[] {0, 3}) {
                    boolean s = (f1 & 0x10) != 0;
                    boolean a = (f2 & 0x80) != 0;
                    int headerLength = GreHeader.headerLength(s, a);
                    ByteBuffer full = ByteBuffer.allocate(16 + payload);
                    full.put((byte) f1).put((byte) f2).putShort((short) 0x880B).putShort((short) payload)
                            .putShort((short) 0x0102).putInt(7).putInt(9);
                    byte[] whole = new byte[headerLength + payload];
                    System.arraycopy(full.array(), 0, whole, 0, Math.min(whole.length, 16));
                    for (int cut : new int[] {0, 1}) {
                        ByteBuffer packet = ByteBuffer.wrap(whole, 0, whole.length - cut);
                        boolean allowed = (f1 & 0xEF) == 0x20 && (f2 & 0x7F) == 0x01
                                && s == (payload > 0) && (s || a) && cut == 0;
                        GreHeader h;
                        try {
                            h = GreCodec.decode(packet);
                        } catch (MalformedGreException e) {
                            assertFalse(allowed, () -> "refused an allowed header: " + e.getMessage());
                            assertTrue(e.reason() != null);
                            assertEquals(0, packet.position(), "a refused packet's position is unchanged");
                            continue;
                        }
                        assertTrue(allowed, String.format("accepted flags %02X %02X, payload %d, cut %d", f1, f2, payload, cut));
                        accepted++;
                        assertEquals(0x0102, h.callId());
                        assertEquals(payload, h.payloadLength());
                        assertEquals(s ? 7 : 0, h.sequence());
                        assertEquals(a ? (s ? 9 : 7) : 0, h.ack());
                        assertEquals(headerLength, packet.position());
                        assertArrayEquals(headerOf(whole, headerLength), encode(h));
                    }
                }
            }
        }
        // K plus S with a payload, or K without S and with A without one; A free with a payload.
        assertEquals(3, accepted);
    }

    @Test
    void malformedExceptionIsCheapToThrow() {
        MalformedGreException e = assertThrows(MalformedGreException.class,
                () -> GreCodec.decode(ByteBuffer.wrap(hex("00"))));
        assertEquals(0, e.getStackTrace().length);
    }

    @Test
    void headerRecordRejectsInconsistentFields() {
        assertThrows(IllegalArgumentException.class, () -> new GreHeader(1, 4, false, 0, true, 1));
        assertThrows(IllegalArgumentException.class, () -> new GreHeader(1, 0, true, 5, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new GreHeader(0x10000, 1, true, 0, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new GreHeader(1, 0x10000, true, 0, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new GreHeader(1, 1, true, 0, false, 9));
        assertFalse(GreHeader.data(1, 1, 0).ackPresent());
    }

    private static byte[] encode(GreHeader h) {
        ByteBuffer out = ByteBuffer.allocate(h.headerLength());
        GreCodec.encode(h, out);
        assertFalse(out.hasRemaining());
        return out.array();
    }

    private static byte[] headerOf(byte[] packet, int length) {
        return java.util.Arrays.copyOf(packet, length);
    }
}
