package org.homerouter.pptp.ppp;

import java.nio.ByteBuffer;
import java.util.Optional;

/** Reads and writes the LCP-family packet layout of RFC 1661 §5. */
public final class ControlPacketCodec {
    private ControlPacketCodec() {
    }

    /**
     * Decodes the packet that fills the Information field between the buffer's position and
     * limit, and consumes the whole field.
     *
     * <p>RFC 1661 §5: a Length below the 4-octet header or beyond the octets present is invalid
     * and the packet is silently discarded (empty result); octets beyond Length are padding and
     * are ignored.
     */
    public static Optional<ControlPacket> decode(ByteBuffer information) {
        int available = information.remaining();
        if (available < ControlPacket.HEADER_LENGTH) {
            information.position(information.limit());
            return Optional.empty();
        }
        int start = information.position();
        int code = information.get(start) & 0xFF;
        int identifier = information.get(start + 1) & 0xFF;
        int length = information.getShort(start + 2) & 0xFFFF;
        if (length < ControlPacket.HEADER_LENGTH || length > available) {
            information.position(information.limit());
            return Optional.empty();
        }
        byte[] data = new byte[length - ControlPacket.HEADER_LENGTH];
        information.get(start + ControlPacket.HEADER_LENGTH, data);
        information.position(information.limit());
        return Optional.of(new ControlPacket(code, identifier, data));
    }

    /** Decodes a packet held in an array (convenience for {@link #decode(ByteBuffer)}). */
    public static Optional<ControlPacket> decode(byte[] information) {
        return decode(ByteBuffer.wrap(information));
    }

    /** Writes the packet at the buffer's position. */
    public static void encode(ControlPacket packet, ByteBuffer out) {
        out.put((byte) packet.code())
                .put((byte) packet.identifier())
                .putShort((short) packet.length())
                .put(packet.data());
    }

    /** The packet's wire form: Code, Identifier, Length, Data. */
    public static byte[] encode(ControlPacket packet) {
        ByteBuffer out = ByteBuffer.allocate(packet.length());
        encode(packet, out);
        return out.array();
    }
}
