package org.homerouter.pptp.gre;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

import org.homerouter.pptp.gre.MalformedGreException.Reason;

/**
 * Reads and writes the enhanced GRE header of RFC 2637 §4.1:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Key (HW) Payload Length    |       Key (LW) Call ID        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Sequence Number (Optional)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               Acknowledgment Number (Optional)                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The decoder is strict: every bit §4.1 fixes must have its fixed value, because a packet that
 * differs is either not PPTP (plain GRE shares IP protocol 47) or corrupt, and must not reach PPP.
 */
public final class GreCodec {
    private GreCodec() {
    }

    /** §4.1 Protocol Type: PPP. */
    public static final int PROTOCOL_PPP = 0x880B;
    /** §4.1 Ver: 1 = enhanced GRE. */
    public static final int VERSION_ENHANCED = 1;

    // First octet: C R K S s Recur(3)
    static final int FLAG_C = 0x80;
    static final int FLAG_R = 0x40;
    static final int FLAG_K = 0x20;
    static final int FLAG_S = 0x10;
    static final int FLAG_STRICT = 0x08;
    static final int MASK_RECUR = 0x07;
    // Second octet: A Flags(4) Ver(3)
    static final int FLAG_A = 0x80;
    static final int MASK_FLAGS = 0x78;
    static final int MASK_VERSION = 0x07;
    /** The first octet's bits §4.1 fixes (all but S): only K may be set. */
    private static final int FIXED_BITS_1 = FLAG_C | FLAG_R | FLAG_K | FLAG_STRICT | MASK_RECUR;
    /** The second octet's bits §4.1 fixes (all but A): Flags zero, Ver 1. */
    private static final int FIXED_BITS_2 = MASK_FLAGS | MASK_VERSION;

    /**
     * Decodes the header at {@code packet}'s position. On success the position is left at the first
     * payload octet and at least {@link GreHeader#payloadLength()} octets remain; octets beyond the
     * payload (link padding) are left alone for the caller to ignore. On failure the position is
     * unchanged.
     *
     * @throws MalformedGreException if any §4.1 rule is broken
     */
    public static GreHeader decode(ByteBuffer packet) {
        // Every packet of every session comes through here, so the common case is kept small: one
        // test for all the bits §4.1 fixes and one for the lengths, with the precise reason for a
        // refusal worked out apart (reject). At its former 532 octets of bytecode the JIT would not
        // inline this method into the receive path ("hot method too big": the limit is 325), so
        // every packet also paid a call and a GreHeader allocation the inlined form avoids.
        int start = packet.position();
        int available = packet.remaining();
        if (available < GreHeader.BASE_LENGTH) {
            throw reject(packet);
        }
        int flags = packet.get(start) & 0xFF;
        int flags2 = packet.get(start + 1) & 0xFF;
        if ((flags & FIXED_BITS_1) != FLAG_K || (flags2 & FIXED_BITS_2) != VERSION_ENHANCED
                || u16(packet, start + 2) != PROTOCOL_PPP) {
            throw reject(packet);
        }
        boolean s = (flags & FLAG_S) != 0;
        boolean a = (flags2 & FLAG_A) != 0;
        int payloadLength = u16(packet, start + 4);
        int headerLength = GreHeader.headerLength(s, a);
        // §4.1: S is set exactly when a payload is present, and a packet carries a payload, an
        // acknowledgement or both.
        if (available < headerLength || payloadLength > available - headerLength
                || s != (payloadLength > 0) || !s && !a) {
            throw reject(packet);
        }
        // §4.1: the optional fields follow the Key in order, each present only if its bit is set;
        // in an ack-only packet the acknowledgement takes the place of the absent sequence number.
        int offset = start + GreHeader.BASE_LENGTH;
        int sequence = s ? i32(packet, offset) : 0;
        int ack = a ? i32(packet, s ? offset + 4 : offset) : 0;
        GreHeader header = new GreHeader(u16(packet, start + 6), payloadLength, s, sequence, a, ack);
        packet.position(start + headerLength);
        return header;
    }

    /**
     * Why {@link #decode} refused the packet at {@code packet}'s position: the first §4.1 rule it
     * breaks, in the order the header is read.
     */
    private static MalformedGreException reject(ByteBuffer packet) {
        int start = packet.position();
        int available = packet.remaining();
        if (available < GreHeader.BASE_LENGTH) {
            return new MalformedGreException(Reason.TRUNCATED_HEADER, available + " octets");
        }
        int flags = packet.get(start) & 0xFF;
        int flags2 = packet.get(start + 1) & 0xFF;
        // §4.1: C, R and s are "set to zero", K is "set to one", Recur is "set to zero".
        if ((flags & FLAG_C) != 0) {
            return new MalformedGreException(Reason.CHECKSUM_PRESENT, "C bit set");
        }
        if ((flags & FLAG_R) != 0) {
            return new MalformedGreException(Reason.ROUTING_PRESENT, "R bit set");
        }
        if ((flags & FLAG_K) == 0) {
            return new MalformedGreException(Reason.KEY_ABSENT, "K bit clear");
        }
        if ((flags & FLAG_STRICT) != 0) {
            return new MalformedGreException(Reason.STRICT_SOURCE_ROUTE, "s bit set");
        }
        if ((flags & MASK_RECUR) != 0) {
            return new MalformedGreException(Reason.RECURSION_NONZERO, "recur " + (flags & MASK_RECUR));
        }
        // §4.1: Flags "must be set to zero", Ver "must contain 1 (enhanced GRE)".
        if ((flags2 & MASK_FLAGS) != 0) {
            return new MalformedGreException(Reason.FLAGS_NONZERO, "flags " + ((flags2 & MASK_FLAGS) >>> 3));
        }
        if ((flags2 & MASK_VERSION) != VERSION_ENHANCED) {
            return new MalformedGreException(Reason.WRONG_VERSION, "version " + (flags2 & MASK_VERSION));
        }
        int protocol = u16(packet, start + 2);
        if (protocol != PROTOCOL_PPP) {
            return new MalformedGreException(Reason.WRONG_PROTOCOL, String.format("protocol 0x%04X", protocol));
        }
        int payloadLength = u16(packet, start + 4);
        boolean s = (flags & FLAG_S) != 0;
        boolean a = (flags2 & FLAG_A) != 0;
        int headerLength = GreHeader.headerLength(s, a);
        if (available < headerLength) {
            return new MalformedGreException(Reason.TRUNCATED_HEADER,
                    available + " octets, header needs " + headerLength);
        }
        if (payloadLength > available - headerLength) {
            return new MalformedGreException(Reason.PAYLOAD_TRUNCATED,
                    "payload length " + payloadLength + ", " + (available - headerLength) + " octets follow");
        }
        // §4.1: S is set exactly when a payload is present.
        if (!s && payloadLength > 0) {
            return new MalformedGreException(Reason.PAYLOAD_WITHOUT_SEQUENCE, payloadLength + " octets, S clear");
        }
        if (s && payloadLength == 0) {
            return new MalformedGreException(Reason.SEQUENCE_WITHOUT_PAYLOAD, "S set, payload length 0");
        }
        if (!s && !a) {
            return new MalformedGreException(Reason.EMPTY, "neither S nor A");
        }
        throw new IllegalStateException("decode refused a well-formed header");
    }

    /**
     * Writes {@code header} at {@code out}'s position and advances it past the header; the caller
     * writes the {@code payloadLength} payload octets next.
     *
     * @throws java.nio.BufferOverflowException if fewer than {@link GreHeader#headerLength()} remain
     */
    public static void encode(GreHeader header, ByteBuffer out) {
        write(out, header.callId(), header.payloadLength(), header.sequencePresent(), header.sequence(),
                header.ackPresent(), header.ack());
    }

    /**
     * The allocation-free form of {@link #encode} used by the channel's send path. Arguments must
     * satisfy {@link GreHeader}'s invariants; the channel guarantees that.
     */
    static void write(ByteBuffer out, int callId, int payloadLength, boolean sequencePresent, int sequence,
                      boolean ackPresent, int ack) {
        if (out.remaining() < GreHeader.headerLength(sequencePresent, ackPresent)) {
            throw new BufferOverflowException();
        }
        out.put((byte) (FLAG_K | (sequencePresent ? FLAG_S : 0)));
        out.put((byte) ((ackPresent ? FLAG_A : 0) | VERSION_ENHANCED));
        putU16(out, PROTOCOL_PPP);
        putU16(out, payloadLength);
        putU16(out, callId);
        if (sequencePresent) {
            putI32(out, sequence);
        }
        if (ackPresent) {
            putI32(out, ack);
        }
    }

    /**
     * The Call ID of a packet that may have failed {@link #decode}, or -1 if it is too short or
     * has no Key (K clear): used only to attribute malformed packets to a call.
     */
    static int peekCallId(ByteBuffer packet) {
        int start = packet.position();
        if (packet.remaining() < GreHeader.BASE_LENGTH || (packet.get(start) & FLAG_K) == 0) {
            return -1;
        }
        return u16(packet, start + 6);
    }

    // Octet-wise big-endian access: buffers wrapped around native memory may carry native byte
    // order, and network order must not depend on that setting.

    private static int u16(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) << 8 | b.get(i + 1) & 0xFF;
    }

    private static int i32(ByteBuffer b, int i) {
        return u16(b, i) << 16 | u16(b, i + 2);
    }

    private static void putU16(ByteBuffer b, int v) {
        b.put((byte) (v >>> 8));
        b.put((byte) v);
    }

    private static void putI32(ByteBuffer b, int v) {
        putU16(b, v >>> 16);
        putU16(b, v);
    }
}
