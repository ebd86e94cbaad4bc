package org.homerouter.pptp.mppe;

import java.util.EnumSet;
import java.util.Set;

/**
 * What MPPE a link accepts.
 *
 * @param allowedStrengths strengths we will use; the strongest one the peer also offers wins
 * @param required whether the link must be encrypted. RFC 3078 §2: "If MPPE negotiation is
 *        attempted and fails, the link SHOULD be terminated"; the CCP layer does that when this is
 *        set. In negotiation it decides between insisting (Nak) and giving up on MPPE (Reject).
 * @param statefulAllowed whether stateful mode may be used at all. Stateless is always preferred:
 *        stateful MPPE loses every packet until a CCP reset round trip after any loss, which is
 *        bad over the Internet (pppd refuses it by default for the same reason).
 */
public record MppePolicy(Set<MppeStrength> allowedStrengths, boolean required, boolean statefulAllowed,
                         boolean statefulPreferred) {

    /** 128-bit only, required, stateless preferred and stateful tolerated. */
    public static final MppePolicy DEFAULT = new MppePolicy(EnumSet.of(MppeStrength.BITS_128), true, true);

    public MppePolicy {
        if (allowedStrengths == null || allowedStrengths.isEmpty()) {
            throw new IllegalArgumentException("at least one MPPE strength must be allowed");
        }
        if (statefulPreferred && !statefulAllowed) {
            throw new IllegalArgumentException("stateful mode cannot be preferred and refused");
        }
        allowedStrengths = Set.copyOf(allowedStrengths);
    }

    /** Stateless preferred (what Windows and pppd ask for). */
    public MppePolicy(Set<MppeStrength> allowedStrengths, boolean required, boolean statefulAllowed) {
        this(allowedStrengths, required, statefulAllowed, false);
    }

    /**
     * The same strengths and requirement, asking for stateful mode first (pppd's {@code
     * mppe-stateful} peers follow a Nak to it). Stateful saves a key change per packet but loses
     * sync on loss until a CCP Reset: prefer it only on clean links.
     */
    public MppePolicy preferringStateful() {
        return new MppePolicy(allowedStrengths, required, true, true);
    }

    /** The bits of {@link #allowedStrengths()} in the option. */
    int allowedBits() {
        int bits = 0;
        for (MppeStrength s : allowedStrengths) {
            bits |= s.optionBit();
        }
        return bits;
    }
}
