package org.homerouter.pptp.control;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Each of the 15 messages, hand-written from RFC 2637's field offsets in {@link WireFixtures}:
 * decoded field by field, and our encoder must reproduce the same octets.
 */
class ControlMessageWireFormatTest {

    private static <T extends ControlMessage> T decode(byte[] wire, Class<T> type) {
        ByteBuf buf = Unpooled.wrappedBuffer(wire);
        ControlMessage m = ControlMessageCodec.decode(buf);
        assertEquals(0, buf.readableBytes(), "decoder consumes the whole message");
        return assertInstanceOf(type, m);
    }

    private static void assertEncodesTo(byte[] wire, ControlMessage m) {
        assertArrayEquals(wire, ControlMessageCodec.encode(m));
        ByteBuf out = Unpooled.buffer();
        out.writeByte(0x55); // encoding appends after what is already there
        ControlMessageCodec.encode(m, out);
        assertEquals(1 + wire.length, out.readableBytes());
        assertEquals(0x55, out.readUnsignedByte());
        byte[] appended = new byte[wire.length];
        out.readBytes(appended);
        assertArrayEquals(wire, appended);
    }

    @Test
    void startControlConnectionRequest() {
        var m = decode(WireFixtures.SCCRQ, StartControlConnectionRequest.class);
        assertAll(
                () -> assertEquals(0x0100, m.protocolVersion()),
                () -> assertEquals(1, m.framingCapabilities()),
                () -> assertEquals(1, m.bearerCapabilities()),
                () -> assertEquals(0, m.maximumChannels()),
                () -> assertEquals(2600, m.firmwareRevision()),
                () -> assertEquals("pc", m.hostName()),
                () -> assertEquals("Microsoft", m.vendorString()));
        assertEncodesTo(WireFixtures.SCCRQ, m);
    }

    @Test
    void startControlConnectionReply() {
        var m = decode(WireFixtures.SCCRP, StartControlConnectionReply.class);
        assertAll(
                () -> assertEquals(0x0100, m.protocolVersion()),
                () -> assertEquals(StartControlConnectionReply.RESULT_OK, m.resultCode()),
                () -> assertEquals(0, m.errorCode()),
                () -> assertEquals(3, m.framingCapabilities()),
                () -> assertEquals(3, m.bearerCapabilities()),
                () -> assertEquals(65535, m.maximumChannels()),
                () -> assertEquals(1, m.firmwareRevision()),
                () -> assertEquals("router", m.hostName()),
                () -> assertEquals("homerouter", m.vendorString()));
        assertEncodesTo(WireFixtures.SCCRP, m);
    }

    @Test
    void stopControlConnectionRequest() {
        var m = decode(WireFixtures.STOPCCRQ, StopControlConnectionRequest.class);
        assertEquals(StopControlConnectionRequest.REASON_STOP_PROTOCOL, m.reason());
        assertEncodesTo(WireFixtures.STOPCCRQ, m);
    }

    @Test
    void stopControlConnectionReply() {
        var m = decode(WireFixtures.STOPCCRP, StopControlConnectionReply.class);
        assertAll(
                () -> assertEquals(StopControlConnectionReply.RESULT_OK, m.resultCode()),
                () -> assertEquals(0, m.errorCode()));
        assertEncodesTo(WireFixtures.STOPCCRP, m);
    }

    @Test
    void echoRequest() {
        var m = decode(WireFixtures.ECHORQ, EchoRequest.class);
        assertEquals(0x8000002A, m.identifier());
        assertEncodesTo(WireFixtures.ECHORQ, m);
    }

    @Test
    void echoReply() {
        var m = decode(WireFixtures.ECHORP, EchoReply.class);
        assertAll(
                () -> assertEquals(0x8000002A, m.identifier()),
                () -> assertEquals(EchoReply.RESULT_OK, m.resultCode()),
                () -> assertEquals(0, m.errorCode()));
        assertEncodesTo(WireFixtures.ECHORP, m);
    }

    @Test
    void outgoingCallRequest() {
        var m = decode(WireFixtures.OCRQ, OutgoingCallRequest.class);
        assertAll(
                () -> assertEquals(0x4000, m.callId()),
                () -> assertEquals(1, m.callSerialNumber()),
                () -> assertEquals(300, m.minimumBps()),
                () -> assertEquals(100_000_000, m.maximumBps()),
                () -> assertEquals(3, m.bearerType()),
                () -> assertEquals(3, m.framingType()),
                () -> assertEquals(64, m.packetRecvWindowSize()),
                () -> assertEquals(0, m.packetProcessingDelay()),
                () -> assertEquals("5551234", m.phoneNumber()),
                () -> assertEquals("", m.subaddress()));
        assertEncodesTo(WireFixtures.OCRQ, m);
    }

    @Test
    void outgoingCallReply() {
        var m = decode(WireFixtures.OCRP, OutgoingCallReply.class);
        assertAll(
                () -> assertEquals(0x0080, m.callId()),
                () -> assertEquals(0x4000, m.peerCallId()),
                () -> assertEquals(OutgoingCallReply.RESULT_CONNECTED, m.resultCode()),
                () -> assertEquals(0, m.errorCode()),
                () -> assertEquals(0, m.causeCode()),
                () -> assertEquals(100_000_000, m.connectSpeed()),
                () -> assertEquals(64, m.packetRecvWindowSize()),
                () -> assertEquals(0, m.packetProcessingDelay()),
                () -> assertEquals(7, m.physicalChannelId()));
        assertEncodesTo(WireFixtures.OCRP, m);
    }

    @Test
    void incomingCallRequest() {
        var m = decode(WireFixtures.ICRQ, IncomingCallRequest.class);
        assertAll(
                () -> assertEquals(0x0102, m.callId()),
                () -> assertEquals(3, m.callSerialNumber()),
                () -> assertEquals(1, m.callBearerType()),
                () -> assertEquals(2, m.physicalChannelId()),
                () -> assertEquals("100", m.dialedNumber()),
                () -> assertEquals("2000", m.dialingNumber()),
                () -> assertEquals("7", m.subaddress()));
        assertEncodesTo(WireFixtures.ICRQ, m);
    }

    @Test
    void incomingCallReply() {
        var m = decode(WireFixtures.ICRP, IncomingCallReply.class);
        assertAll(
                () -> assertEquals(0x4001, m.callId()),
                () -> assertEquals(0x0102, m.peerCallId()),
                () -> assertEquals(IncomingCallReply.RESULT_CONNECT, m.resultCode()),
                () -> assertEquals(0, m.errorCode()),
                () -> assertEquals(16, m.packetRecvWindowSize()),
                () -> assertEquals(0, m.packetTransmitDelay()));
        assertEncodesTo(WireFixtures.ICRP, m);
    }

    @Test
    void incomingCallConnected() {
        var m = decode(WireFixtures.ICCN, IncomingCallConnected.class);
        assertAll(
                () -> assertEquals(0x4001, m.peerCallId()),
                () -> assertEquals(64_000, m.connectSpeed()),
                () -> assertEquals(32, m.packetRecvWindowSize()),
                () -> assertEquals(5, m.packetTransmitDelay()),
                () -> assertEquals(ControlProtocol.FRAMING_SYNC, m.framingType()));
        assertEncodesTo(WireFixtures.ICCN, m);
    }

    @Test
    void callClearRequest() {
        var m = decode(WireFixtures.CCRQ, CallClearRequest.class);
        assertEquals(0x4000, m.callId());
        assertEncodesTo(WireFixtures.CCRQ, m);
    }

    @Test
    void callDisconnectNotify() {
        var m = decode(WireFixtures.CDN, CallDisconnectNotify.class);
        assertAll(
                () -> assertEquals(0x0080, m.callId()),
                () -> assertEquals(CallDisconnectNotify.RESULT_ADMIN_SHUTDOWN, m.resultCode()),
                () -> assertEquals(0, m.errorCode()),
                () -> assertEquals(0, m.causeCode()),
                () -> assertEquals("ok", m.callStatistics()));
        assertEncodesTo(WireFixtures.CDN, m);
    }

    @Test
    void wanErrorNotify() {
        var m = decode(WireFixtures.WEN, WanErrorNotify.class);
        assertAll(
                () -> assertEquals(0x4000, m.peerCallId()),
                () -> assertEquals(1, m.crcErrors()),
                () -> assertEquals(2, m.framingErrors()),
                () -> assertEquals(3, m.hardwareOverruns()),
                () -> assertEquals(4, m.bufferOverruns()),
                () -> assertEquals(5, m.timeoutErrors()),
                () -> assertEquals(6, m.alignmentErrors()));
        assertEncodesTo(WireFixtures.WEN, m);
    }

    @Test
    void setLinkInfo() {
        var m = decode(WireFixtures.SLI, SetLinkInfo.class);
        assertAll(
                () -> assertEquals(0x0080, m.peerCallId()),
                () -> assertEquals(0xFFFFFFFF, m.sendAccm()),
                () -> assertEquals(0, m.receiveAccm()));
        assertEncodesTo(WireFixtures.SLI, m);
    }
}
