package org.homerouter.pptp.mppe;

/** What {@link MppeDecryptor#decrypt} did with a packet. */
public enum MppeDecryptResult {
    /** Decrypted in place; deliver it. */
    DELIVERED,
    /**
     * Stateful mode lost sync: the count is not the previous one plus one. The packet is dropped
     * and the caller must have CCP send a Reset-Request (RFC 1962 §3.1, RFC 3078 §8.2); packets
     * are dropped until a flushed one arrives. Returned once per loss, as Linux's ppp_mppe.c
     * enters its discard state once.
     */
    RESET_REQUIRED,
    /**
     * Stateful mode, still waiting for a flushed packet after a loss. The caller passes this to
     * CCP too, which repeats an unanswered Reset-Request only while such packets keep arriving,
     * as pppd's ccp.c does (RREQ_REPEAT).
     */
    DROPPED_AWAITING_FLUSH,
    /** Stateless mode: a duplicate count, or one up to 255 behind the last one. */
    DROPPED_LATE,
    /**
     * Traffic known to be IPv4 ({@code ipv4Only}): the packet was taken in step but decrypted to
     * something that is not IPv4, so the key is out of step with the sender's (and in stateless
     * mode, 4,096 key changes further did not decrypt it either), or the packet is forged or
     * corrupt. Weighted as a bogus header: 16 in a row end the link rather than leave it up
     * carrying nothing (in stateless mode, one that was not tried, a try having failed lately,
     * costs nothing).
     */
    DROPPED_UNDECIPHERABLE,
    /**
     * Stateless mode: the count jumped ahead (packets lost, or a forged count), and the key for
     * that count does not decrypt the packet to a checked IPv4 packet. The key stays as it was.
     */
    DROPPED_UNVERIFIED_JUMP,
    /**
     * Stateless mode: the count jumped ahead, and the jumps that did not check out lately (forged
     * counts) have spent the decryptor's budget for trying them, so this one was dropped untried,
     * the key as it was (see {@link MppeDecryptor}). No sanity cost: it may be genuine.
     */
    DROPPED_JUMP_OVER_BUDGET,
    /**
     * Stateful mode, traffic known to be IPv4: a flushed packet (the sender changed the key before
     * it, RFC 3078 §7) that none of the key changes it calls for decrypts to a checked IPv4 packet.
     * The stateful counterpart of {@link #DROPPED_UNVERIFIED_JUMP}: the key stays as it was, and
     * the decryptor is (or stays) in the discard state, waiting for a flushed packet that checks out.
     */
    DROPPED_UNVERIFIED_FLUSH,
    /** Header only, no encrypted octet. */
    DROPPED_TOO_SHORT,
    /** D bit clear: not an MPPE packet (Linux sanity check). */
    DROPPED_NOT_ENCRYPTED,
    /** C bit set: MPPC compression was never negotiated. */
    DROPPED_COMPRESSED,
    /** Stateless mode but A clear (Linux sanity check). */
    DROPPED_NOT_FLUSHED,
    /** Stateful mode, a flag packet (count low octet 0xFF) without A (Linux sanity check). */
    DROPPED_FLAG_NOT_FLUSHED,
    /**
     * The peer keeps sending bogus packets: this one is dropped and the caller should terminate
     * LCP, as Linux does when its sanity score reaches its limit (DECOMP_FATALERROR).
     */
    LINK_FAILURE;

    /** Whether the packet was decrypted and should be delivered. */
    public boolean delivered() {
        return this == DELIVERED;
    }

    /** Whether CCP should be told, so that it asks the peer for a reset ({@code ppp.ccp.Ccp#requestReset}). */
    public boolean wantsReset() {
        return this == RESET_REQUIRED || this == DROPPED_AWAITING_FLUSH;
    }
}
