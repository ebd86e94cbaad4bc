package org.homerouter.pptp.mppe;

import java.util.Optional;

/**
 * Pure decisions for negotiating the MPPE option inside CCP (RFC 3078 §2 over RFC 1661 §5's
 * Configure-Ack/Nak/Reject). The CCP state machine supplies the round count and turns a Nak loop
 * into a Reject after Max-Failure (RFC 1661 §4.6).
 */
public final class MppeNegotiation {

    /** The answer to a peer's Configure-Request option. */
    public sealed interface Reply permits Ack, Nak, Reject {
    }

    /** Configure-Ack: use exactly this option. */
    public record Ack(MppeOption agreed, MppeStrength strength, boolean stateless) implements Reply {
    }

    /** Configure-Nak carrying the option we would accept (RFC 1661 §5.3). */
    public record Nak(MppeOption suggested) implements Reply {
    }

    /** Configure-Reject: no MPPE in this direction. */
    public record Reject() implements Reply {
    }

    private MppeNegotiation() {
    }

    /**
     * The authenticator's answer to the MPPE option in a peer's Configure-Request.
     *
     * <ul>
     * <li>Unknown bits, C (MPPC) and D (obsolete) are Nak'd away, as pppd's ccp.c does: we can
     *     honour none of them and RFC 1661 §5.3 says a Nak carries values we would accept.</li>
     * <li>Strength: the strongest offered strength we allow. If several are offered, Nak with that
     *     one alone, since exactly one key length can be in use (RFC 3078 §2). If none we allow is
     *     offered: Nak with all we allow when MPPE is required; Reject when it is optional.</li>
     * <li>H: if the peer asks for stateful mode, Nak with H once; accept stateful on a later round
     *     if the policy allows it, otherwise keep Nak'ing (Max-Failure ends that).</li>
     * </ul>
     *
     * @param naksAlreadySent how many Configure-Naks we have sent for this option so far
     */
    public static Reply answerPeerRequest(MppePolicy policy, MppeOption requested, int naksAlreadySent) {
        int bits = requested.supportedBits();
        int wanted = bits & (MppeOption.H_STATELESS | MppeOption.STRENGTH_BITS);
        boolean nak = wanted != bits; // unknown, C or D bits set

        int offered = bits & MppeOption.STRENGTH_BITS;
        int acceptable = offered & policy.allowedBits();
        if (acceptable == 0) {
            if (!policy.required()) {
                return new Reject();
            }
            nak = true;
            wanted = (wanted & ~MppeOption.STRENGTH_BITS) | policy.allowedBits();
        } else {
            int best = strongest(acceptable);
            if (offered != best) {
                nak = true;
                wanted = (wanted & ~MppeOption.STRENGTH_BITS) | best;
            }
        }

        boolean peerStateless = (bits & MppeOption.H_STATELESS) != 0;
        if (policy.statefulPreferred()) {
            // Ask once for stateful; a peer that insists on stateless gets it on the next round.
            if (peerStateless && naksAlreadySent == 0) {
                nak = true;
                wanted &= ~MppeOption.H_STATELESS;
            }
        } else if (!peerStateless && (naksAlreadySent == 0 || !policy.statefulAllowed())) {
            nak = true;
            wanted |= MppeOption.H_STATELESS;
        }

        MppeOption answer = new MppeOption(wanted);
        if (nak) {
            return new Nak(answer);
        }
        return new Ack(answer, answer.singleStrength().orElseThrow(), answer.stateless());
    }

    /** Our first Configure-Request: every strength we allow, stateless unless stateful is preferred (RFC 3078 §2). */
    public static MppeOption initialRequest(MppePolicy policy) {
        return new MppeOption(policy.allowedBits() | (policy.statefulPreferred() ? 0 : MppeOption.H_STATELESS));
    }

    /**
     * Our next Configure-Request after the peer Nak'd ours with {@code suggested}: the strongest
     * strength both allow, and the peer's choice of H if the policy permits it. Empty when no
     * option both ends accept exists; the CCP layer then gives up on MPPE (and on the link, if
     * MPPE is required).
     */
    public static Optional<MppeOption> requestAfterNak(MppePolicy policy, MppeOption suggested) {
        int common = suggested.supportedBits() & MppeOption.STRENGTH_BITS & policy.allowedBits();
        if (common == 0) {
            return Optional.empty();
        }
        boolean stateless = suggested.stateless();
        if (!stateless && !policy.statefulAllowed()) {
            return Optional.empty();
        }
        return Optional.of(new MppeOption(strongest(common) | (stateless ? MppeOption.H_STATELESS : 0)));
    }

    /** The single strongest strength bit: S (128) over M (56) over L (40). */
    private static int strongest(int strengthBits) {
        int best = new MppeOption(strengthBits & MppeOption.STRENGTH_BITS).strongestOnly().supportedBits();
        if (best == 0) {
            throw new IllegalArgumentException("no strength bit set");
        }
        return best;
    }
}
