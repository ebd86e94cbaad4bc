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
    DROP,
    /**
     * End the connection: the segment goes on as a RST toward its receiver, its payload stripped,
     * at its own sequence number, which a segment sent for the first time carries as exactly the
     * receiver's RCV.NXT: the one number at which a TCP acts on a RST rather than answer it with
     * a challenge ACK (RFC 9293 §3.10.7.4, RFC 5961 §3.2). See {@link PptpAlg#resetConnectionsPickedUp}.
     */
    RESET,
    /**
     * Forward it without its payload (a bare ACK, PSH and FIN cleared with the data they were
     * for), to a receiver already reset: a TCP answers any segment but a RST for a connection it
     * no longer has with a RST at that segment's acknowledgment (RFC 9293 §3.10.7.1), which the
     * sender then acts on. The data itself goes nowhere: nothing on the connection is parsed.
     */
    STRIP
}
