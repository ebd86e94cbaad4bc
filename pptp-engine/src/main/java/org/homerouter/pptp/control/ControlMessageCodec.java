package org.homerouter.pptp.control;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.homerouter.pptp.control.MalformedControlMessageException.Reason;

import java.nio.charset.StandardCharsets;

import static org.homerouter.pptp.control.ControlProtocol.CALL_STATISTICS_LENGTH;
import static org.homerouter.pptp.control.ControlProtocol.HEADER_LENGTH;
import static org.homerouter.pptp.control.ControlProtocol.MAGIC_COOKIE;
import static org.homerouter.pptp.control.ControlProtocol.MESSAGE_TYPE_CONTROL;
import static org.homerouter.pptp.control.ControlProtocol.NAME_FIELD_LENGTH;

/**
 * Converts between PPTP control messages and their wire form (RFC 2637 §2.1–2.15). Stateless:
 * framing a TCP stream into whole messages is {@link ControlFrameDecoder}'s job.
 *
 * <p>Every message starts with the 12-octet header of RFC 2637 §2: Length (2), PPTP Message Type
 * (2), Magic Cookie (4), Control Message Type (2), Reserved0 (2). All integers are big-endian.
 *
 * <p>Decoding is strict about what keeps the stream in sync (Length, PPTP Message Type, Magic
 * Cookie, Control Message Type) and liberal about everything else: reserved fields are ignored
 * and text fields never cause a rejection.
 */
public final class ControlMessageCodec {
    private ControlMessageCodec() {
    }

    /**
     * Decodes exactly one whole message: the frame's readable bytes must be the message, header
     * included, and nothing more. On success the frame's reader index moves past the message; on
     * failure it is left unchanged.
     *
     * @throws MalformedControlMessageException if the header or length is invalid
     */
    public static ControlMessage decode(ByteBuf frame) {
        ControlMessageType type = checkHeader(frame);
        frame.skipBytes(HEADER_LENGTH); // Reserved0 ignored: §2 says MUST be 0, we need not care.
        return switch (type) {
            case START_CONTROL_CONNECTION_REQUEST -> readStartControlConnectionRequest(frame);
            case START_CONTROL_CONNECTION_REPLY -> readStartControlConnectionReply(frame);
            case STOP_CONTROL_CONNECTION_REQUEST -> readStopControlConnectionRequest(frame);
            case STOP_CONTROL_CONNECTION_REPLY -> readStopControlConnectionReply(frame);
            case ECHO_REQUEST -> new EchoRequest(frame.readInt());
            case ECHO_REPLY -> readEchoReply(frame);
            case OUTGOING_CALL_REQUEST -> readOutgoingCallRequest(frame);
            case OUTGOING_CALL_REPLY -> readOutgoingCallReply(frame);
            case INCOMING_CALL_REQUEST -> readIncomingCallRequest(frame);
            case INCOMING_CALL_REPLY -> readIncomingCallReply(frame);
            case INCOMING_CALL_CONNECTED -> readIncomingCallConnected(frame);
            case CALL_CLEAR_REQUEST -> readCallClearRequest(frame);
            case CALL_DISCONNECT_NOTIFY -> readCallDisconnectNotify(frame);
            case WAN_ERROR_NOTIFY -> readWanErrorNotify(frame);
            case SET_LINK_INFO -> readSetLinkInfo(frame);
        };
    }

    /** Appends the message's wire form, exactly {@code m.type().length()} octets, to {@code out}. */
    public static void encode(ControlMessage m, ByteBuf out) {
        ControlMessageType type = m.type();
        out.ensureWritable(type.length());
        out.writeShort(type.length());
        out.writeShort(MESSAGE_TYPE_CONTROL);
        out.writeInt(MAGIC_COOKIE);
        out.writeShort(type.code());
        out.writeShort(0); // Reserved0
        switch (m) {
            case StartControlConnectionRequest r -> write(r, out);
            case StartControlConnectionReply r -> write(r, out);
            case StopControlConnectionRequest r -> write(r, out);
            case StopControlConnectionReply r -> write(r, out);
            case EchoRequest r -> out.writeInt(r.identifier()); // §2.5
            case EchoReply r -> write(r, out);
            case OutgoingCallRequest r -> write(r, out);
            case OutgoingCallReply r -> write(r, out);
            case IncomingCallRequest r -> write(r, out);
            case IncomingCallReply r -> write(r, out);
            case IncomingCallConnected r -> write(r, out);
            case CallClearRequest r -> write(r, out);
            case CallDisconnectNotify r -> write(r, out);
            case WanErrorNotify r -> write(r, out);
            case SetLinkInfo r -> write(r, out);
        }
    }

    /** The message's wire form as a new array. */
    public static byte[] encode(ControlMessage m) {
        ByteBuf buf = Unpooled.buffer(m.type().length());
        encode(m, buf);
        return ByteBufUtil.getBytes(buf);
    }

    // ---- header -------------------------------------------------------------------------------

    private static ControlMessageType checkHeader(ByteBuf frame) {
        int size = frame.readableBytes();
        if (size < HEADER_LENGTH) {
            throw new MalformedControlMessageException(Reason.TOO_SHORT,
                    "frame of " + size + " octets is shorter than the " + HEADER_LENGTH + "-octet header");
        }
        int at = frame.readerIndex();
        // §2: "Length: Total length in octets of this PPTP message, including the entire PPTP header."
        int length = frame.getUnsignedShort(at);
        if (length != size) {
            throw new MalformedControlMessageException(Reason.LENGTH_MISMATCH,
                    "Length field " + length + " but the frame has " + size + " octets");
        }
        // §2: the Magic Cookie is the receiver's check that it is still in sync with the stream.
        int magic = frame.getInt(at + 4);
        if (magic != MAGIC_COOKIE) {
            throw new MalformedControlMessageException(Reason.BAD_MAGIC_COOKIE,
                    String.format("Magic Cookie 0x%08X, expected 0x%08X", magic, MAGIC_COOKIE));
        }
        // §2: PPTP Message Type 1 is control; 2 (management) is defined but never used.
        int messageType = frame.getUnsignedShort(at + 2);
        if (messageType != MESSAGE_TYPE_CONTROL) {
            throw new MalformedControlMessageException(Reason.BAD_MESSAGE_TYPE,
                    "PPTP Message Type " + messageType + ", expected " + MESSAGE_TYPE_CONTROL + " (control)");
        }
        int code = frame.getUnsignedShort(at + 8);
        ControlMessageType type = ControlMessageType.ofCode(code);
        if (type == null) {
            throw new MalformedControlMessageException(Reason.UNKNOWN_CONTROL_TYPE,
                    "Control Message Type " + code + ", expected 1..15");
        }
        // Every control message has a fixed layout (§2.1–2.15): any other length is not that message.
        if (length != type.length()) {
            throw new MalformedControlMessageException(Reason.LENGTH_MISMATCH,
                    type.abbreviation() + " is " + type.length() + " octets but its Length field is " + length);
        }
        return type;
    }

    // ---- decoding, one method per §2.x body, in field order --------------------------------------

    /** §2.1: Protocol Version, Reserved1, Framing Cap., Bearer Cap., Max Channels, Firmware, Host Name, Vendor. */
    private static StartControlConnectionRequest readStartControlConnectionRequest(ByteBuf in) {
        int protocolVersion = in.readUnsignedShort();
        in.skipBytes(2); // Reserved1
        int framing = in.readInt();
        int bearer = in.readInt();
        int maxChannels = in.readUnsignedShort();
        int firmware = in.readUnsignedShort();
        String host = readText(in, NAME_FIELD_LENGTH);
        String vendor = readText(in, NAME_FIELD_LENGTH);
        return new StartControlConnectionRequest(protocolVersion, framing, bearer, maxChannels, firmware, host, vendor);
    }

    /** §2.2: as §2.1 with Result Code and Error Code in place of Reserved1. */
    private static StartControlConnectionReply readStartControlConnectionReply(ByteBuf in) {
        int protocolVersion = in.readUnsignedShort();
        int result = in.readUnsignedByte();
        int error = in.readUnsignedByte();
        int framing = in.readInt();
        int bearer = in.readInt();
        int maxChannels = in.readUnsignedShort();
        int firmware = in.readUnsignedShort();
        String host = readText(in, NAME_FIELD_LENGTH);
        String vendor = readText(in, NAME_FIELD_LENGTH);
        return new StartControlConnectionReply(protocolVersion, result, error, framing, bearer, maxChannels, firmware, host, vendor);
    }

    /** §2.3: Reason (1), Reserved1 (1), Reserved2 (2). */
    private static StopControlConnectionRequest readStopControlConnectionRequest(ByteBuf in) {
        int reason = in.readUnsignedByte();
        in.skipBytes(3);
        return new StopControlConnectionRequest(reason);
    }

    /** §2.4: Result Code (1), Error Code (1), Reserved1 (2). */
    private static StopControlConnectionReply readStopControlConnectionReply(ByteBuf in) {
        int result = in.readUnsignedByte();
        int error = in.readUnsignedByte();
        in.skipBytes(2);
        return new StopControlConnectionReply(result, error);
    }

    /** §2.6: Identifier (4), Result Code (1), Error Code (1), Reserved1 (2). */
    private static EchoReply readEchoReply(ByteBuf in) {
        int identifier = in.readInt();
        int result = in.readUnsignedByte();
        int error = in.readUnsignedByte();
        in.skipBytes(2);
        return new EchoReply(identifier, result, error);
    }

    /**
     * §2.7: Call ID, Call Serial Number, Minimum BPS, Maximum BPS, Bearer Type, Framing Type,
     * Packet Recv. Window Size, Packet Processing Delay, Phone Number Length, Reserved1, Phone
     * Number (64), Subaddress (64).
     */
    private static OutgoingCallRequest readOutgoingCallRequest(ByteBuf in) {
        int callId = in.readUnsignedShort();
        int serial = in.readUnsignedShort();
        int minBps = in.readInt();
        int maxBps = in.readInt();
        int bearer = in.readInt();
        int framing = in.readInt();
        int window = in.readUnsignedShort();
        int delay = in.readUnsignedShort();
        int phoneLength = in.readUnsignedShort();
        in.skipBytes(2); // Reserved1
        String phone = readText(in, NAME_FIELD_LENGTH, phoneLength);
        String subaddress = readText(in, NAME_FIELD_LENGTH);
        return new OutgoingCallRequest(callId, serial, minBps, maxBps, bearer, framing, window, delay, phone, subaddress);
    }

    /**
     * §2.8: Call ID, Peer's Call ID, Result Code (1), Error Code (1), Cause Code, Connect Speed (4),
     * Packet Recv. Window Size, Packet Processing Delay, Physical Channel ID (4).
     */
    private static OutgoingCallReply readOutgoingCallReply(ByteBuf in) {
        int callId = in.readUnsignedShort();
        int peerCallId = in.readUnsignedShort();
        int result = in.readUnsignedByte();
        int error = in.readUnsignedByte();
        int cause = in.readUnsignedShort();
        int speed = in.readInt();
        int window = in.readUnsignedShort();
        int delay = in.readUnsignedShort();
        int channel = in.readInt();
        return new OutgoingCallReply(callId, peerCallId, result, error, cause, speed, window, delay, channel);
    }

    /**
     * §2.9: Call ID, Call Serial Number, Call Bearer Type (4), Physical Channel ID (4), Dialed
     * Number Length, Dialing Number Length, Dialed Number (64), Dialing Number (64), Subaddress (64).
     */
    private static IncomingCallRequest readIncomingCallRequest(ByteBuf in) {
        int callId = in.readUnsignedShort();
        int serial = in.readUnsignedShort();
        int bearer = in.readInt();
        int channel = in.readInt();
        int dialedLength = in.readUnsignedShort();
        int dialingLength = in.readUnsignedShort();
        String dialed = readText(in, NAME_FIELD_LENGTH, dialedLength);
        String dialing = readText(in, NAME_FIELD_LENGTH, dialingLength);
        String subaddress = readText(in, NAME_FIELD_LENGTH);
        return new IncomingCallRequest(callId, serial, bearer, channel, dialed, dialing, subaddress);
    }

    /**
     * §2.10: Call ID, Peer's Call ID, Result Code (1), Error Code (1), Packet Recv. Window Size,
     * Packet Transmit Delay, Reserved1.
     */
    private static IncomingCallReply readIncomingCallReply(ByteBuf in) {
        int callId = in.readUnsignedShort();
        int peerCallId = in.readUnsignedShort();
        int result = in.readUnsignedByte();
        int error = in.readUnsignedByte();
        int window = in.readUnsignedShort();
        int delay = in.readUnsignedShort();
        in.skipBytes(2);
        return new IncomingCallReply(callId, peerCallId, result, error, window, delay);
    }

    /**
     * §2.11: Peer's Call ID, Reserved1, Connect Speed (4), Packet Recv. Window Size, Packet
     * Transmit Delay, Framing Type (4).
     */
    private static IncomingCallConnected readIncomingCallConnected(ByteBuf in) {
        int peerCallId = in.readUnsignedShort();
        in.skipBytes(2);
        int speed = in.readInt();
        int window = in.readUnsignedShort();
        int delay = in.readUnsignedShort();
        int framing = in.readInt();
        return new IncomingCallConnected(peerCallId, speed, window, delay, framing);
    }

    /** §2.12: Call ID, Reserved1. */
    private static CallClearRequest readCallClearRequest(ByteBuf in) {
        int callId = in.readUnsignedShort();
        in.skipBytes(2);
        return new CallClearRequest(callId);
    }

    /** §2.13: Call ID, Result Code (1), Error Code (1), Cause Code, Reserved1, Call Statistics (128). */
    private static CallDisconnectNotify readCallDisconnectNotify(ByteBuf in) {
        int callId = in.readUnsignedShort();
        int result = in.readUnsignedByte();
        int error = in.readUnsignedByte();
        int cause = in.readUnsignedShort();
        in.skipBytes(2);
        String statistics = readText(in, CALL_STATISTICS_LENGTH);
        return new CallDisconnectNotify(callId, result, error, cause, statistics);
    }

    /** §2.14: Peer's Call ID, Reserved1, then six 32-bit error counters. */
    private static WanErrorNotify readWanErrorNotify(ByteBuf in) {
        int peerCallId = in.readUnsignedShort();
        in.skipBytes(2);
        int crc = in.readInt();
        int framing = in.readInt();
        int hardware = in.readInt();
        int buffer = in.readInt();
        int timeout = in.readInt();
        int alignment = in.readInt();
        return new WanErrorNotify(peerCallId, crc, framing, hardware, buffer, timeout, alignment);
    }

    /** §2.15: Peer's Call ID, Reserved1, Send ACCM (4), Receive ACCM (4). */
    private static SetLinkInfo readSetLinkInfo(ByteBuf in) {
        int peerCallId = in.readUnsignedShort();
        in.skipBytes(2);
        int send = in.readInt();
        int receive = in.readInt();
        return new SetLinkInfo(peerCallId, send, receive);
    }

    // ---- encoding -----------------------------------------------------------------------------

    private static void write(StartControlConnectionRequest r, ByteBuf out) {
        out.writeShort(r.protocolVersion());
        out.writeShort(0); // Reserved1
        out.writeInt(r.framingCapabilities());
        out.writeInt(r.bearerCapabilities());
        out.writeShort(r.maximumChannels());
        out.writeShort(r.firmwareRevision());
        writeText(out, r.hostName(), NAME_FIELD_LENGTH);
        writeText(out, r.vendorString(), NAME_FIELD_LENGTH);
    }

    private static void write(StartControlConnectionReply r, ByteBuf out) {
        out.writeShort(r.protocolVersion());
        out.writeByte(r.resultCode());
        out.writeByte(r.errorCode());
        out.writeInt(r.framingCapabilities());
        out.writeInt(r.bearerCapabilities());
        out.writeShort(r.maximumChannels());
        out.writeShort(r.firmwareRevision());
        writeText(out, r.hostName(), NAME_FIELD_LENGTH);
        writeText(out, r.vendorString(), NAME_FIELD_LENGTH);
    }

    private static void write(StopControlConnectionRequest r, ByteBuf out) {
        out.writeByte(r.reason());
        out.writeZero(3); // Reserved1, Reserved2
    }

    private static void write(StopControlConnectionReply r, ByteBuf out) {
        out.writeByte(r.resultCode());
        out.writeByte(r.errorCode());
        out.writeShort(0);
    }

    private static void write(EchoReply r, ByteBuf out) {
        out.writeInt(r.identifier());
        out.writeByte(r.resultCode());
        out.writeByte(r.errorCode());
        out.writeShort(0);
    }

    private static void write(OutgoingCallRequest r, ByteBuf out) {
        out.writeShort(r.callId());
        out.writeShort(r.callSerialNumber());
        out.writeInt(r.minimumBps());
        out.writeInt(r.maximumBps());
        out.writeInt(r.bearerType());
        out.writeInt(r.framingType());
        out.writeShort(r.packetRecvWindowSize());
        out.writeShort(r.packetProcessingDelay());
        // §2.7: "the actual number of valid digits in the Phone Number field".
        out.writeShort(r.phoneNumber().length());
        out.writeShort(0);
        writeText(out, r.phoneNumber(), NAME_FIELD_LENGTH);
        writeText(out, r.subaddress(), NAME_FIELD_LENGTH);
    }

    private static void write(OutgoingCallReply r, ByteBuf out) {
        out.writeShort(r.callId());
        out.writeShort(r.peerCallId());
        out.writeByte(r.resultCode());
        out.writeByte(r.errorCode());
        out.writeShort(r.causeCode());
        out.writeInt(r.connectSpeed());
        out.writeShort(r.packetRecvWindowSize());
        out.writeShort(r.packetProcessingDelay());
        out.writeInt(r.physicalChannelId());
    }

    private static void write(IncomingCallRequest r, ByteBuf out) {
        out.writeShort(r.callId());
        out.writeShort(r.callSerialNumber());
        out.writeInt(r.callBearerType());
        out.writeInt(r.physicalChannelId());
        // §2.9: the number of valid digits in each of the two number fields.
        out.writeShort(r.dialedNumber().length());
        out.writeShort(r.dialingNumber().length());
        writeText(out, r.dialedNumber(), NAME_FIELD_LENGTH);
        writeText(out, r.dialingNumber(), NAME_FIELD_LENGTH);
        writeText(out, r.subaddress(), NAME_FIELD_LENGTH);
    }

    private static void write(IncomingCallReply r, ByteBuf out) {
        out.writeShort(r.callId());
        out.writeShort(r.peerCallId());
        out.writeByte(r.resultCode());
        out.writeByte(r.errorCode());
        out.writeShort(r.packetRecvWindowSize());
        out.writeShort(r.packetTransmitDelay());
        out.writeShort(0);
    }

    private static void write(IncomingCallConnected r, ByteBuf out) {
        out.writeShort(r.peerCallId());
        out.writeShort(0);
        out.writeInt(r.connectSpeed());
        out.writeShort(r.packetRecvWindowSize());
        out.writeShort(r.packetTransmitDelay());
        out.writeInt(r.framingType());
    }

    private static void write(CallClearRequest r, ByteBuf out) {
        out.writeShort(r.callId());
        out.writeShort(0);
    }

    private static void write(CallDisconnectNotify r, ByteBuf out) {
        out.writeShort(r.callId());
        out.writeByte(r.resultCode());
        out.writeByte(r.errorCode());
        out.writeShort(r.causeCode());
        out.writeShort(0);
        writeText(out, r.callStatistics(), CALL_STATISTICS_LENGTH);
    }

    private static void write(WanErrorNotify r, ByteBuf out) {
        out.writeShort(r.peerCallId());
        out.writeShort(0);
        out.writeInt(r.crcErrors());
        out.writeInt(r.framingErrors());
        out.writeInt(r.hardwareOverruns());
        out.writeInt(r.bufferOverruns());
        out.writeInt(r.timeoutErrors());
        out.writeInt(r.alignmentErrors());
    }

    private static void write(SetLinkInfo r, ByteBuf out) {
        out.writeShort(r.peerCallId());
        out.writeShort(0);
        out.writeInt(r.sendAccm());
        out.writeInt(r.receiveAccm());
    }

    // ---- text fields --------------------------------------------------------------------------

    private static String readText(ByteBuf in, int fieldLength) {
        return readText(in, fieldLength, fieldLength);
    }

    /**
     * Reads a fixed-size text field: the text ends at the first NUL (§2.1: "the remainder of this
     * field SHOULD be filled with octets of value 0"), or at {@code validOctets} when a length
     * field says fewer octets are valid (§2.7, §2.9). The whole field is consumed either way.
     */
    private static String readText(ByteBuf in, int fieldLength, int validOctets) {
        int at = in.readerIndex();
        int limit = Math.min(fieldLength, validOctets);
        StringBuilder text = new StringBuilder(limit);
        for (int i = 0; i < limit; i++) {
            int octet = in.getUnsignedByte(at + i);
            if (octet == 0) {
                break;
            }
            text.append(printable(octet));
        }
        in.skipBytes(fieldLength);
        return text.toString();
    }

    /**
     * Non-ASCII octets become '?' rather than a rejection: real clients put localised host names
     * here, and refusing the connection over a cosmetic field would lock them out. Control
     * characters become '?' as well, because these strings end up in logs and the status UI, where
     * a CR or LF in a peer-chosen host name could forge log lines.
     */
    private static char printable(int octet) {
        return octet >= 0x20 && octet < 0x7F ? (char) octet : '?';
    }

    /** Writes ASCII text NUL-padded to the field size; the records guarantee it fits and is ASCII. */
    private static void writeText(ByteBuf out, String text, int fieldLength) {
        int written = out.writeCharSequence(text, StandardCharsets.US_ASCII);
        out.writeZero(fieldLength - written);
    }
}
