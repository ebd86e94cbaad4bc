package org.homerouter.pptp.gre;

/**
 * A received packet is not a valid PPTP enhanced GRE packet (RFC 2637 §4.1).
 *
 * <p>Thrown per bad packet on the receive path, so it carries no stack trace: a flood of garbage
 * must not cost a stack walk per packet.
 */
public final class MalformedGreException extends RuntimeException {

    /** What was wrong; one value per rule of §4.1 that the decoder enforces. */
    public enum Reason {
        /** Fewer octets than the header's flags announce. */
        TRUNCATED_HEADER,
        /** C bit set: PPTP GRE never carries a checksum. */
        CHECKSUM_PRESENT,
        /** R bit set: PPTP GRE never carries routing. */
        ROUTING_PRESENT,
        /** K bit clear: the Key (payload length, call ID) is mandatory. */
        KEY_ABSENT,
        /** s bit set: strict source routing is not used. */
        STRICT_SOURCE_ROUTE,
        /** Recursion control non-zero. */
        RECURSION_NONZERO,
        /** Flags bits 9-12 non-zero. */
        FLAGS_NONZERO,
        /** Version is not 1 (enhanced GRE). */
        WRONG_VERSION,
        /** Protocol Type is not 0x880B (PPP). */
        WRONG_PROTOCOL,
        /** Payload length exceeds the octets that follow the header. */
        PAYLOAD_TRUNCATED,
        /** Payload present but S clear. */
        PAYLOAD_WITHOUT_SEQUENCE,
        /** S set but payload length zero. */
        SEQUENCE_WITHOUT_PAYLOAD,
        /** Neither S nor A: the packet says nothing. */
        EMPTY
    }

    private final Reason reason;

    public MalformedGreException(Reason reason, String detail) {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
