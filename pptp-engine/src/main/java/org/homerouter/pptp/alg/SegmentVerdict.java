package org.homerouter.pptp.alg;

/** What to do with a control segment after the ALG has looked at it. */
public enum SegmentVerdict {
    /** Forward it as it came. */
    ACCEPT,
    /** Forward it with the payload the ALG rewrote in place (the TCP checksum must be recomputed). */
    ACCEPT_REWRITTEN,
    /**
     * Drop it: it starts beyond a gap in the stream, or it ends in the middle of a call-ID field
     * the ALG cannot rewrite without the next segment. The sender retransmits it (Linux collapses
     * the retransmission with the following segment).
     */
    DROP
}
