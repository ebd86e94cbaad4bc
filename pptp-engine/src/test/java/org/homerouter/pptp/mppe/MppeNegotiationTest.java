package org.homerouter.pptp.mppe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.EnumSet;
import java.util.Optional;

import org.homerouter.pptp.mppe.MppeNegotiation.Ack;
import org.homerouter.pptp.mppe.MppeNegotiation.Nak;
import org.homerouter.pptp.mppe.MppeNegotiation.Reject;
import org.homerouter.pptp.mppe.MppeNegotiation.Reply;
import org.junit.jupiter.api.Test;

/** The option negotiation table: what the authenticator answers, and what our peer side asks. */
class MppeNegotiationTest {
    private static final int H = MppeOption.H_STATELESS;
    private static final int S = MppeOption.S_128_BIT;
    private static final int M = MppeOption.M_56_BIT;
    private static final int L = MppeOption.L_40_BIT;
    private static final int D = MppeOption.D_OBSOLETE;
    private static final int C = MppeOption.C_MPPC;
    private static final MppePolicy STATELESS_ONLY =
            new MppePolicy(EnumSet.of(MppeStrength.BITS_128), true, false);
    private static final MppePolicy ANY_STRENGTH_OPTIONAL =
            new MppePolicy(EnumSet.allOf(MppeStrength.class), false, true);

    private static Reply answer(MppePolicy policy, int bits, int naks) {
        return MppeNegotiation.answerPeerRequest(policy, new MppeOption(bits), naks);
    }

    private static void assertNak(int expectedBits, Reply reply) {
        assertEquals(new MppeOption(expectedBits), assertInstanceOf(Nak.class, reply).suggested());
    }

    @Test
    void windows128StatelessIsAckedOnTheFirstRound() {
        Ack ack = assertInstanceOf(Ack.class, answer(MppePolicy.DEFAULT, H | S, 0));
        assertEquals(new MppeOption(H | S), ack.agreed());
        assertEquals(MppeStrength.BITS_128, ack.strength());
        assertEquals(true, ack.stateless());
    }

    @Test
    void preferringStatefulAsksForItOnceThenTakesWhatThePeerInsistsOn() {
        MppePolicy stateful = MppePolicy.DEFAULT.preferringStateful();
        assertEquals(new MppeOption(S), MppeNegotiation.initialRequest(stateful), "first request has no H");
        assertNak(S, answer(stateful, H | S, 0));
        Ack second = assertInstanceOf(Ack.class, answer(stateful, H | S, 1));
        assertEquals(true, second.stateless(), "a peer that insists keeps stateless");
        Ack statefulPeer = assertInstanceOf(Ack.class, answer(stateful, S, 0));
        assertEquals(false, statefulPeer.stateless());
    }

    @Test
    void statefulCannotBePreferredAndRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new MppePolicy(EnumSet.of(MppeStrength.BITS_128), true, false, true));
    }

    @Test
    void fortyBitOnlyUnderRequired128IsNakkedWith128() {
        assertNak(H | S, answer(MppePolicy.DEFAULT, H | L, 0));
        assertNak(H | S, answer(MppePolicy.DEFAULT, H | L, 3));
    }

    @Test
    void unacceptableStrengthUnderOptionalPolicyIsRejected() {
        MppePolicy optional128 = new MppePolicy(EnumSet.of(MppeStrength.BITS_128), false, true);
        assertInstanceOf(Reject.class, answer(optional128, H | L, 0));
    }

    @Test
    void mppcBitIsNakkedAway() {
        assertNak(H | S, answer(MppePolicy.DEFAULT, H | S | C, 0));
    }

    @Test
    void obsoleteAndUnknownBitsAreNakkedAway() {
        assertNak(H | S, answer(MppePolicy.DEFAULT, H | S | D, 0));
        assertNak(H | S, answer(MppePolicy.DEFAULT, H | S | 0x00100000, 0));
    }

    @Test
    void statefulOnlyPeerUnderDefaultPolicyIsAskedForStatelessOnceThenAccepted() {
        assertNak(H | S, answer(MppePolicy.DEFAULT, S, 0));
        Ack ack = assertInstanceOf(Ack.class, answer(MppePolicy.DEFAULT, S, 1));
        assertEquals(false, ack.stateless());
        assertEquals(new MppeOption(S), ack.agreed());
    }

    @Test
    void statefulOnlyPeerUnderStatelessOnlyPolicyIsNakkedEveryRound() {
        assertNak(H | S, answer(STATELESS_ONLY, S, 0));
        assertNak(H | S, answer(STATELESS_ONLY, S, 5));
    }

    @Test
    void severalStrengthsAreNarrowedToTheStrongestAllowed() {
        assertNak(H | S, answer(ANY_STRENGTH_OPTIONAL, H | S | M | L, 0));
        assertNak(H | M, answer(ANY_STRENGTH_OPTIONAL, H | M | L, 0));
        assertNak(H | S, answer(MppePolicy.DEFAULT, H | S | L, 0));
        assertInstanceOf(Ack.class, answer(ANY_STRENGTH_OPTIONAL, H | L, 0));
    }

    @Test
    void noStrengthAtAllIsNakkedWithWhatWeAllow() {
        assertNak(H | S, answer(MppePolicy.DEFAULT, H, 0));
        assertNak(H | S | M | L, answer(new MppePolicy(EnumSet.allOf(MppeStrength.class), true, true), 0, 0));
    }

    @Test
    void ourRequestOffersEveryAllowedStrengthStateless() {
        assertEquals(new MppeOption(H | S), MppeNegotiation.initialRequest(MppePolicy.DEFAULT));
        assertEquals(new MppeOption(H | S | M | L), MppeNegotiation.initialRequest(ANY_STRENGTH_OPTIONAL));
    }

    @Test
    void afterANakWeTakeTheStrongestCommonStrength() {
        assertEquals(Optional.of(new MppeOption(H | M)),
                MppeNegotiation.requestAfterNak(ANY_STRENGTH_OPTIONAL, new MppeOption(H | M | L)));
        assertEquals(Optional.empty(), MppeNegotiation.requestAfterNak(MppePolicy.DEFAULT, new MppeOption(H | L)));
    }

    @Test
    void afterANakAskingForStatefulWeFollowOnlyIfAllowed() {
        assertEquals(Optional.of(new MppeOption(S)),
                MppeNegotiation.requestAfterNak(MppePolicy.DEFAULT, new MppeOption(S)));
        assertEquals(Optional.empty(), MppeNegotiation.requestAfterNak(STATELESS_ONLY, new MppeOption(S)));
    }
}
