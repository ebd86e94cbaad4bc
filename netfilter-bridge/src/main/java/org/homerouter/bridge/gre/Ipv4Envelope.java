package org.homerouter.bridge.gre;

import java.nio.ByteBuffer;

/**
 * Opens the IPv4 datagrams that a raw IPPROTO_GRE socket delivers (raw(7): for IPv4 the received
 * packet includes the IP header) down to the GRE packet inside, checking what must hold before the
 * GRE codec sees a byte (RFC 791 §3.1 header layout).
 */
public final class Ipv4Envelope {
    private Ipv4Envelope() {
    }

    /** Minimum IPv4 header: IHL 5 (RFC 791 §3.1). */
    public static final int MIN_HEADER_LENGTH = 20;
    private static final int PROTOCOL_GRE = 47;

    /** What {@link #open} found. */
    public enum Verdict {
        /** The buffer now spans the GRE packet. */
        GRE,
        /** Shorter than its own header or total length says. */
        TRUNCATED,
        /** Version field is not 4. */
        NOT_IPV4,
        /** IHL below 5, or total length below the header length. */
        BAD_HEADER,
        /** Carries another protocol than 47. */
        NOT_GRE,
        /**
         * A fragment other than the first (fragment offset not 0): it has no GRE header. The kernel
         * reassembles before raw delivery, so this is only met with odd stacks in between.
         */
        LATER_FRAGMENT
    }

    /**
     * Checks the datagram between {@code datagram}'s position and limit and, if it carries GRE, sets
     * position and limit to the GRE header and the end of the datagram (its total length, so link
     * padding is cut off). On any other verdict the buffer is unchanged.
     */
    public static Verdict open(ByteBuffer datagram) {
        int start = datagram.position();
        int available = datagram.remaining();
        if (available < MIN_HEADER_LENGTH) {
            return Verdict.TRUNCATED;
        }
        int versionIhl = datagram.get(start) & 0xFF;
        if (versionIhl >>> 4 != 4) {
            return Verdict.NOT_IPV4;
        }
        int headerLength = (versionIhl & 0x0F) * 4;
        if (headerLength < MIN_HEADER_LENGTH) {
            return Verdict.BAD_HEADER;
        }
        int totalLength = u16(datagram, start + 2);
        if (totalLength < headerLength) {
            return Verdict.BAD_HEADER;
        }
        if (headerLength > available || totalLength > available) {
            return Verdict.TRUNCATED;
        }
        if ((datagram.get(start + 9) & 0xFF) != PROTOCOL_GRE) {
            return Verdict.NOT_GRE;
        }
        // Flags (3 bits) and fragment offset (13 bits) share octets 6-7.
        if ((u16(datagram, start + 6) & 0x1FFF) != 0) {
            return Verdict.LATER_FRAGMENT;
        }
        datagram.limit(start + totalLength);
        datagram.position(start + headerLength);
        return Verdict.GRE;
    }

    /** The source address of the datagram starting at {@code start}, as a big-endian int. */
    public static int source(ByteBuffer datagram, int start) {
        return u16(datagram, start + 12) << 16 | u16(datagram, start + 14);
    }

    // Octet-wise: the buffer may be a view of native memory in native byte order.
    private static int u16(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) << 8 | b.get(i + 1) & 0xFF;
    }
}
