package org.homerouter.pptp.ppp.ccp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

import org.homerouter.pptp.mppe.MppeOption;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ConfigOption;
import org.homerouter.pptp.ppp.ConfigureReply;
import org.homerouter.pptp.ppp.ControlPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our authenticator (the default policy: 128-bit required, stateless preferred, stateful allowed)
 * against the peers it meets, both ends running the whole CCP automaton over an in-memory link.
 */
class CcpNegotiationTest {
    private static final CcpResult STATELESS_128 = new CcpResult(MppeStrength.BITS_128, true);
    /** Windows asks for 128-bit stateless (H|S) and accepts only that when "maximum strength" is set. */
    private static final MppePolicy WINDOWS = new MppePolicy(EnumSet.of(MppeStrength.BITS_128), true, false);
    /**
     * pppd require-mppe-128: asks for H|S (it always asks for stateless, ccp.c) and refuses stateful
     * unless mppe-stateful is given.
     */
    private static final MppePolicy PPPD_REQUIRE_MPPE_128 = new MppePolicy(EnumSet.of(MppeStrength.BITS_128), true, false);
    /** pppd require-mppe: 40 or 128 bits, so its first request is H|S|L. */
    private static final MppePolicy PPPD_REQUIRE_MPPE =
            new MppePolicy(EnumSet.of(MppeStrength.BITS_40, MppeStrength.BITS_128), true, false);
    private static final MppePolicy FORTY_BIT_ONLY = new MppePolicy(EnumSet.of(MppeStrength.BITS_40), true, false);

    private final CcpTestLink link = new CcpTestLink();
    private final CcpEnd server = new CcpEnd(MppePolicy.DEFAULT, link.clock, link.senderA());

    private CcpEnd peer(MppePolicy policy) {
        CcpEnd peer = new CcpEnd(policy, link.clock, link.senderB());
        link.connect(server, peer);
        link.start();
        return peer;
    }

    private static ConfigOption mppe(int bits) {
        byte[] whole = new MppeOption(bits).encode();
        return new ConfigOption(MppeOption.TYPE, new byte[] {whole[2], whole[3], whole[4], whole[5]});
    }

    @Test
    void windowsPeerAgreesOn128BitStatelessInOneRound() {
        CcpEnd windows = peer(WINDOWS);
        assertEquals(AutomatonState.OPENED, server.ccp.state());
        assertEquals(List.of(STATELESS_128), server.events.ups);
        assertEquals(List.of(STATELESS_128), windows.events.ups);
        assertEquals(0, CcpTestLink.count(link.sentByA, ControlPacket.CONFIGURE_NAK));
        assertEquals(0, CcpTestLink.count(link.sentByB, ControlPacket.CONFIGURE_NAK));
        assertEquals(STATELESS_128, server.ccp.result().orElseThrow());
    }

    @Test
    void ourConfigureAckLostOnTheWayIsSentAgainAndEncryptionStaysUp() {
        // The peer's timer runs out and it repeats its request unchanged. RFC 1661 §4.3 would
        // take CCP (and so encryption, and so the session) down for one lost packet.
        boolean[] lostOne = {false};
        link.lose = p -> {
            if (p.code() == ControlPacket.CONFIGURE_ACK && !lostOne[0] && link.sentByA.contains(p)) {
                lostOne[0] = true;
                return true;
            }
            return false;
        };
        CcpEnd windows = peer(WINDOWS);
        assertTrue(lostOne[0], "the server's first Configure-Ack was lost");
        assertEquals(AutomatonState.OPENED, server.ccp.state());
        link.advance(Duration.ofSeconds(1), 4); // the peer's restart timer (3 s) runs out
        assertEquals(AutomatonState.OPENED, windows.ccp.state());
        assertEquals(AutomatonState.OPENED, server.ccp.state());
        assertEquals(List.of(STATELESS_128), server.events.ups, "up once, never down");
        assertEquals(List.of(), server.events.failures);
        assertEquals(0, server.events.downs);
        assertEquals(List.of(STATELESS_128), windows.events.ups);

        // Once only: the same request yet again is a renegotiation, as RFC 1661 §4.3 has it.
        ControlPacket repeated = link.sentByB.stream().filter(p -> p.code() == ControlPacket.CONFIGURE_REQUEST)
                .reduce((first, last) -> last).orElseThrow();
        server.receive(repeated);
        assertEquals(1, server.events.downs);
    }

    @Test
    void pppdRequireMppe128AgreesOn128BitStateless() {
        CcpEnd pppd = peer(PPPD_REQUIRE_MPPE_128);
        assertEquals(List.of(STATELESS_128), server.events.ups);
        assertEquals(List.of(STATELESS_128), pppd.events.ups);
        assertEquals(List.of(), server.events.failures);
    }

    @Test
    void pppdOfferingTwoStrengthsIsNakkedTo128() {
        CcpEnd pppd = peer(PPPD_REQUIRE_MPPE);
        ControlPacket nak = link.sentByA.stream().filter(p -> p.code() == ControlPacket.CONFIGURE_NAK).findFirst().orElseThrow();
        assertEquals(new ControlPacket(ControlPacket.CONFIGURE_NAK, nak.identifier(),
                new byte[] {18, 6, 0x01, 0, 0, 0x40}), nak, "Nak'd to H|S: one strength, the strongest");
        assertEquals(List.of(STATELESS_128), server.events.ups);
        assertEquals(List.of(STATELESS_128), pppd.events.ups);
    }

    @Test
    void fortyBitOnlyPeerFailsWithNoCommonEncryption() {
        CcpEnd weak = peer(FORTY_BIT_ONLY);
        assertEquals(List.of(CcpFailure.NO_COMMON_ENCRYPTION), server.events.failures);
        assertTrue(server.events.failures.getFirst().encryptionMismatch());
        assertEquals(List.of(), server.events.ups);
        assertEquals(List.of(CcpFailure.NO_COMMON_ENCRYPTION), weak.events.failures);
    }

    @Test
    void peerRejectingMppeFailsWithPeerRefusedEncryption() {
        ScriptedPeer refusing = ScriptedPeer.refusingMppe(link.clock, link.senderB());
        link.connect(server, refusing);
        link.start();
        link.advance(Duration.ofSeconds(3), 12);
        assertEquals(List.of(CcpFailure.PEER_REFUSED_ENCRYPTION), server.events.failures);
        assertEquals(List.of(), server.events.ups, "never up, even if CCP opens unencrypted");
        assertEquals("peer refused encryption", CcpFailure.PEER_REFUSED_ENCRYPTION.description());
    }

    @Test
    void emptyRequestIsNakkedWithOurMppeOptionWhileRequired() {
        ScriptedPeer refusing = ScriptedPeer.refusingMppe(link.clock, link.senderB());
        link.connect(server, refusing);
        link.start();
        ControlPacket firstRequest = link.sentByB.getFirst();
        assertEquals(0, firstRequest.dataLength());
        assertTrue(link.sentByA.contains(new ControlPacket(ControlPacket.CONFIGURE_NAK, firstRequest.identifier(),
                new byte[] {18, 6, 0x01, 0, 0, 0x40})), "RFC 1661 §5.3: a Nak may name an option the request lacked");
    }

    @Test
    void optionalPolicyOpensWithoutEncryptionAgainstAPeerWithoutMppe() {
        CcpTestLink plain = new CcpTestLink();
        CcpEnd optional = new CcpEnd(new MppePolicy(EnumSet.of(MppeStrength.BITS_128), false, true),
                plain.clock, plain.senderA());
        plain.connect(optional, ScriptedPeer.refusingMppe(plain.clock, plain.senderB()));
        plain.start();
        assertEquals(AutomatonState.OPENED, optional.ccp.state());
        assertEquals(1, optional.events.plainOpens);
        assertEquals(List.of(), optional.events.failures);
        assertTrue(optional.ccp.result().isEmpty());
    }

    @Test
    void statefulOnlyPeerGetsStatefulInBothDirections() {
        // A peer that can only do stateful: asks for S without H and Naks our H|S to S.
        ConfigOption stateful = mppe(MppeOption.S_128_BIT);
        ScriptedPeer peer = new ScriptedPeer(link.clock, link.senderB(), List.of(stateful),
                requested -> requested.equals(List.of(stateful)) ? ConfigureReply.ack() : ConfigureReply.nak(List.of(stateful)));
        link.connect(server, peer);
        link.start();
        link.advance(Duration.ofSeconds(3), 3);
        assertEquals(List.of(new CcpResult(MppeStrength.BITS_128, false)), server.events.ups);
        assertEquals(AutomatonState.OPENED, peer.state());
    }

    @Test
    void statefulIsNotAcceptedWhileThePeerAcceptsStatelessForUs() {
        // The peer asks twice for stateful but acks our stateless request. On its own the policy
        // would accept stateful on the second round; the directions would then differ, so the
        // second request is Nak'd to H|S as well, and the peer gives in, as Windows or pppd would.
        ConfigOption stateful = mppe(MppeOption.S_128_BIT);
        ScriptedPeer peer = new ScriptedPeer(link.clock, link.senderB(), List.of(stateful), requested -> ConfigureReply.ack());
        peer.afterNak = suggested -> peer.naksReceived < 2 ? List.of(stateful) : suggested;
        link.connect(server, peer);
        link.start();
        assertEquals(2, peer.naksReceived);
        assertEquals(List.of(STATELESS_128), server.events.ups);
    }

    @Test
    void peerInsistingOnAnotherSettingThanItAckedFailsWithDirectionsDisagree() {
        ConfigOption stateful = mppe(MppeOption.S_128_BIT);
        ScriptedPeer peer = new ScriptedPeer(link.clock, link.senderB(), List.of(stateful), requested -> ConfigureReply.ack());
        link.connect(server, peer);
        link.start();
        assertEquals(5, CcpTestLink.count(link.sentByA, ControlPacket.CONFIGURE_NAK),
                "Max-Failure Naks (RFC 1661 §4.6), then a Reject");
        assertEquals(List.of(CcpFailure.DIRECTIONS_DISAGREE), server.events.failures);
        assertEquals(List.of(), server.events.ups);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aPeerAckingOurEveryStrengthRequestAsItIsAgreesOnTheStrongest(boolean required) {
        // Any strength allowed (require-any, or optional): our first request is H|M|S|L. A peer
        // that acks it verbatim (pppd over Linux's ppp_mppe does) encrypts with 128 bits; it
        // asks for 128-bit stateless itself.
        CcpEnd anyStrength = new CcpEnd(new MppePolicy(EnumSet.allOf(MppeStrength.class), required, true),
                link.clock, link.senderA());
        ScriptedPeer peer = new ScriptedPeer(link.clock, link.senderB(),
                List.of(mppe(MppeOption.H_STATELESS | MppeOption.S_128_BIT)), requested -> ConfigureReply.ack());
        link.connect(anyStrength, peer);
        link.start();
        ControlPacket ours = link.sentByA.stream().filter(p -> p.code() == ControlPacket.CONFIGURE_REQUEST).findFirst().orElseThrow();
        assertEquals(0xE0, ours.data()[5] & 0xFF, "every strength offered: " + ours);
        assertEquals(List.of(), anyStrength.events.failures);
        assertEquals(List.of(STATELESS_128), anyStrength.events.ups);
    }

    @Test
    void silentPeerEndsWithNotNegotiated() {
        link.connect(server, new CcpTestLink.End() {
            @Override
            public void start() {
            }

            @Override
            public void receive(ControlPacket packet) {
            }

            @Override
            public void poll() {
            }
        });
        link.start();
        link.advance(Duration.ofSeconds(3), 11); // Max-Configure 10 Configure-Requests, then TO-
        assertEquals(10, CcpTestLink.count(link.sentByA, ControlPacket.CONFIGURE_REQUEST));
        assertEquals(List.of(CcpFailure.NOT_NEGOTIATED), server.events.failures);
    }

    @ParameterizedTest(name = "required={0}")
    @ValueSource(booleans = {true, false})
    void protocolRejectOfCcpIsNotNegotiated(boolean required) {
        // pppd with noccp answers our Configure-Request with an LCP Protocol-Reject of 0x80FD.
        // With optional MPPE the session goes on in the clear, but it must be told (see PppSession).
        CcpEnd ours = new CcpEnd(new MppePolicy(EnumSet.of(MppeStrength.BITS_128), required, true), link.clock,
                packet -> { });
        ours.start();
        ours.ccp.protocolRejected();
        assertEquals(List.of(CcpFailure.NOT_NEGOTIATED), ours.events.failures);
    }

    /** 128-bit MPPE if the peer will (the VPN server page's "Optional"). */
    private static final MppePolicy OPTIONAL_128 = new MppePolicy(EnumSet.of(MppeStrength.BITS_128), false, true);

    /**
     * Optional MPPE, and CCP gave up (a Protocol-Reject of CCP here): the session goes on in clear.
     * A Configure-Request for MPPE that comes later must not open CCP with MPPE the session never
     * uses, as Stopped would (RFC 1661 §4.1: irc, scr, sca): CCP stays Closed and answers it with
     * a Terminate-Ack.
     */
    @Test
    void aCcpThatGaveUpAnswersALaterRequestWithTerminateAckAndStaysClosed() {
        List<ControlPacket> sent = new java.util.ArrayList<>();
        CcpEnd ours = new CcpEnd(OPTIONAL_128, link.clock, sent::add);
        ours.start();
        ours.ccp.protocolRejected();
        sent.clear();
        ours.ccp.receive(new ControlPacket(ControlPacket.CONFIGURE_REQUEST, 0x66,
                org.homerouter.pptp.ppp.ConfigOptionCodec.encode(List.of(mppe(MppeOption.H_STATELESS | MppeOption.S_128_BIT)))));
        assertEquals(List.of(ControlPacket.TERMINATE_ACK), sent.stream().map(ControlPacket::code).toList());
        assertEquals(AutomatonState.CLOSED, ours.ccp.state());
        assertEquals(List.of(), ours.events.ups);
        assertEquals(List.of(CcpFailure.NOT_NEGOTIATED), ours.events.failures, "reported once");
    }

    /**
     * Optional MPPE, CCP opened without it (the peer does 40-bit only), then the peer ends CCP
     * (Terminate-Request, RFC 1661 §5.5): once CCP has finished, a Restart period after its
     * Terminate-Ack (§4.4), it is reported as given up, so the session runs IP in clear again
     * rather than wait for a CCP that may never open.
     */
    @Test
    void ccpOpenedWithoutEncryptionThatThePeerEndsIsReportedAsGivenUp() {
        CcpEnd ours = new CcpEnd(OPTIONAL_128, link.clock, link.senderA());
        CcpEnd peer = new CcpEnd(new MppePolicy(EnumSet.of(MppeStrength.BITS_40), false, true), link.clock,
                link.senderB());
        link.connect(ours, peer);
        link.start();
        assertEquals(1, ours.events.plainOpens);
        ours.ccp.receive(new ControlPacket(ControlPacket.TERMINATE_REQUEST, 0x31));
        link.flush();
        assertEquals(1, ours.events.downs);
        assertEquals(List.of(), ours.events.failures, "not while CCP is stopping");
        link.advance(Duration.ofSeconds(3), 1);
        assertEquals(List.of(CcpFailure.NOT_NEGOTIATED), ours.events.failures);
        assertEquals(AutomatonState.CLOSED, ours.ccp.state());
        link.advance(Duration.ofSeconds(3), 12); // the peer's own Configure-Requests get Terminate-Acks
        assertEquals(1, ours.events.plainOpens, "CCP never opened again");
        assertEquals(List.of(CcpFailure.NOT_NEGOTIATED), ours.events.failures);
    }

    @Test
    void peerTerminatingCcpStopsEncryptionAndTheLinkMustGo() {
        peer(WINDOWS);
        server.ccp.receive(new ControlPacket(ControlPacket.TERMINATE_REQUEST, 0x31));
        assertEquals(1, server.events.downs);
        assertEquals(List.of(CcpFailure.ENCRYPTION_STOPPED), server.events.failures);
        assertTrue(server.ccp.result().isEmpty());
    }

    @Test
    void renegotiationNeverRestartsEncryptionOnTheSameKeys() {
        CcpEnd windows = peer(WINDOWS);
        // The peer renegotiates from Opened (RFC 1661: tld, scr, then the answer).
        windows.ccp.close();
        windows.ccp.open();
        link.flush();
        link.advance(Duration.ofSeconds(3), 3);
        assertEquals(List.of(STATELESS_128), server.events.ups, "encryption came up once only");
        assertEquals(List.of(CcpFailure.ENCRYPTION_STOPPED), server.events.failures);
    }

    @Test
    void reopeningOurselvesNeverRestartsEncryptionOnTheSameKeysEither() {
        peer(WINDOWS);
        server.ccp.close();
        link.flush();
        assertEquals(List.of(), server.events.failures, "our own Close is no failure");
        server.ccp.open();
        link.advance(Duration.ofSeconds(3), 3);
        assertEquals(AutomatonState.OPENED, server.ccp.state());
        assertEquals(List.of(STATELESS_128), server.events.ups, "the second This-Layer-Up brings nothing up");
        assertEquals(List.of(CcpFailure.ENCRYPTION_STOPPED), server.events.failures);
    }

    @Test
    void ourOwnCloseIsNoFailure() {
        peer(WINDOWS);
        server.ccp.close();
        link.flush();
        assertEquals(1, server.events.downs);
        assertEquals(List.of(), server.events.failures);
    }
}
