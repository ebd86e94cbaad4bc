package org.homerouter.pptp.mppe;

/** What {@link MppeDecryptor#decrypt} did with a packet. */
public enum MppeDecryptResult {
    /** Decrypted in place; deliver it. */
    DELIVERED,
    /**
     * Stateful mode lost sync (a gap in the coherency count). The packet is dropped and the caller
     * must send a CCP Reset-Request (RFC 1962 §3.1, RFC 3078 §8.2); packets are dropped until a
     * flushed one arrives.
     */
    RESET_REQUIRED,
    /** Stateful mode, still waiting for a flushed packet after a gap; the Reset-Request is out. */
    DROPPED_AWAITING_FLUSH,
    /** A count behind the last one, a duplicate, or more than 2048 ahead (Linux ppp_mppe.c). */
    DROPPED_LATE,
    /** Header only, no encrypted octet. */
    DROPPED_TOO_SHORT,
    /** D bit clear: not an MPPE packet (Linux ppp_mppe.c sanity check). */
    DROPPED_NOT_ENCRYPTED,
    /** C bit set: MPPC compression was never negotiated. */
    DROPPED_COMPRESSED,
    /** Stateless mode but A clear (Linux ppp_mppe.c sanity check). */
    DROPPED_NOT_FLUSHED,
    /**
     * The peer keeps sending bogus packets: this one is dropped and the caller should terminate
     * LCP, as Linux does when its sanity score passes its limit (DECOMP_FATALERROR).
     */
    LINK_FAILURE;

    /** Whether the packet was decrypted and should be delivered. */
    public boolean delivered() {
        return this == DELIVERED;
    }
}
