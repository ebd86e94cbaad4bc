package org.homerouter.pptp.ppp;

import java.nio.ByteBuffer;

/**
 * The PPP frame header as it rides in a PPTP enhanced-GRE payload: optional Address (0xFF) and
 * Control (0x03) octets, then a one- or two-octet Protocol field, then the Information field. PPTP
 * carries PPP without HDLC flags, escaping or FCS (RFC 2637 §4.1), so nothing else frames a packet.
 *
 * <p>Works on caller-owned {@link ByteBuffer}s and allocates nothing, so the data path can use it
 * per packet.
 */
public final class PppFrame {
    private PppFrame() {
    }

    /** The All-Stations Address octet (RFC 1662 §3.1; RFC 1661 §6.6). */
    public static final int ADDRESS = 0xFF;
    /** The Unnumbered-Information Control octet (RFC 1662 §3.1; RFC 1661 §6.6). */
    public static final int CONTROL = 0x03;
    /** Longest header: Address, Control and a two-octet Protocol field. */
    public static final int MAX_HEADER_LENGTH = 4;

    /**
     * Reads the header of the frame between the buffer's position and limit and leaves the
     * position at the first octet of the Information field.
     *
     * <p>Both compressed forms are accepted whether or not they were negotiated: RFC 1661 §6.5 and
     * §6.6 oblige a receiver that negotiated them to accept either form, and LCP packets always
     * arrive uncompressed, so accepting both unconditionally loses nothing and tolerates peers
     * that compress early. An Address/Control pair is recognised by its exact value 0xFF 0x03;
     * 0xFF cannot start a compressed Protocol field because protocol 0x00FF is reserved. A first
     * Protocol octet with its low bit set is a complete one-octet Protocol field (§6.5: protocol
     * values have an odd low octet and an even high octet).
     *
     * @return the protocol (0..0xFFFF; ill-formed values are returned as they are, see
     *     {@link PppProtocol#isWellFormed}), or -1 when the frame is too short to hold a header, in
     *     which case the position is unchanged
     */
    public static int readHeader(ByteBuffer frame) {
        int start = frame.position();
        int p = start;
        int limit = frame.limit();
        if (limit - p >= 2 && (frame.get(p) & 0xFF) == ADDRESS && (frame.get(p + 1) & 0xFF) == CONTROL) {
            p += 2;
        }
        if (p >= limit) {
            return -1;
        }
        int first = frame.get(p) & 0xFF;
        if ((first & 1) == 1) {
            frame.position(p + 1);
            return first;
        }
        if (p + 1 >= limit) {
            return -1;
        }
        frame.position(p + 2);
        return first << 8 | (frame.get(p + 1) & 0xFF);
    }

    /** The protocol {@link #readHeader} would read, or -1; the buffer's position does not move. */
    public static int protocolOf(ByteBuffer frame) {
        int start = frame.position();
        int protocol = readHeader(frame);
        frame.position(start);
        return protocol;
    }

    /** How many octets {@link #writeHeader} writes for this protocol and compression. */
    public static int headerLength(int protocol, HeaderCompression compression) {
        boolean lcp = protocol == PppProtocol.LCP;
        int length = lcp || !compression.addressControl() ? 2 : 0;
        length += !lcp && compression.protocol() && protocol < 0x100 ? 1 : 2;
        return length;
    }

    /**
     * Writes the header for a packet of the given protocol at the buffer's position. LCP always
     * gets Address/Control and a two-octet Protocol field whatever was negotiated (RFC 1661 §6.5,
     * §6.6), so that a peer can always recognise LCP packets, e.g. a renegotiation after it lost
     * its state. Protocol-Field-Compression applies only to values whose high octet is zero (§6.5).
     *
     * @throws java.nio.BufferOverflowException if fewer than {@link #headerLength} octets remain
     */
    public static void writeHeader(ByteBuffer out, int protocol, HeaderCompression compression) {
        if (protocol < 0 || protocol > 0xFFFF) {
            throw new IllegalArgumentException("protocol out of range: " + protocol);
        }
        boolean lcp = protocol == PppProtocol.LCP;
        if (lcp || !compression.addressControl()) {
            out.put((byte) ADDRESS).put((byte) CONTROL);
        }
        if (!lcp && compression.protocol() && protocol < 0x100) {
            out.put((byte) protocol);
        } else {
            out.putShort((short) protocol);
        }
    }
}
