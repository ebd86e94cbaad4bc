package org.homerouter.pptp.ppp.ccp;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.mppe.MppeDecryptor;
import org.homerouter.pptp.mppe.MppeEncryptor;
import org.homerouter.pptp.mppe.MppeStartKeys;
import org.homerouter.pptp.mppe.MppeStrength;

/**
 * The MPPE setting CCP agreed for both directions of the link (RFC 3078 §2).
 *
 * @param strength the session key strength
 * @param stateless whether the H bit was agreed: a new key for every packet (RFC 3078 §7)
 */
public record CcpResult(MppeStrength strength, boolean stateless) {

    public CcpResult {
        if (strength == null) {
            throw new IllegalArgumentException("strength is required");
        }
    }

    /**
     * The encryptor for what this end sends, from its start keys: {@link MppeStartKeys#forServer}
     * on the authenticator, {@link MppeStartKeys#forClient} on the peer.
     */
    public MppeEncryptor newEncryptor(MppeStartKeys keys) {
        return new MppeEncryptor(keys.send(), strength, stateless);
    }

    /**
     * The decryptor for what this end receives, from the same start keys. IPv4 is all a session
     * carries (IPCP is its only network protocol), so a stateful decryptor refuses the flushed
     * packets it cannot check as IPv4 rather than follow a key change it could never undo.
     */
    public MppeDecryptor newDecryptor(MppeStartKeys keys) {
        return newDecryptor(keys, Clock.SYSTEM);
    }

    /** As {@link #newDecryptor(MppeStartKeys)}, its budget for trying stateless jumps timed by {@code clock}. */
    public MppeDecryptor newDecryptor(MppeStartKeys keys, Clock clock) {
        return new MppeDecryptor(keys.receive(), strength, stateless, MppeDecryptor.DEFAULT_MAX_BAD_PACKETS, true,
                clock);
    }
}
