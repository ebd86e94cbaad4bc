package org.homerouter.pptp.ppp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Behaviour of the automaton beyond the table itself: timers, counters, identifiers, validity. */
class NegotiationAutomatonTest {

    private static AutomatonHarness reqSent(AutomatonSettings settings) {
        AutomatonHarness h = new AutomatonHarness(settings);
        h.automaton.open();
        h.automaton.up();
        return h;
    }

    private static AutomatonHarness opened() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        h.peerRequests(0x20, AutomatonHarness.GOOD);
        h.peerAcks();
        assertEquals(AutomatonState.OPENED, h.automaton.state());
        h.log.clear();
        h.sent.clear();
        return h;
    }

    @Test
    void silentPeerGetsMaxConfigureRequestsThreeSecondsApartThenTheLayerFinishes() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        for (int i = 0; i < 10; i++) {
            h.clock.advanceMillis(2_999);
            h.automaton.poll();
            assertEquals(i + 1, h.sent.size(), "nothing before the 3 s timeout");
            h.clock.advanceMillis(1);
            h.automaton.poll();
        }
        assertEquals(10, h.sent.stream().filter(p -> p.code() == ControlPacket.CONFIGURE_REQUEST).count());
        assertEquals(1, h.sent.stream().map(ControlPacket::identifier).distinct().count(),
                "retransmissions keep the Identifier");
        assertEquals(AutomatonState.STOPPED, h.automaton.state());
        assertEquals("tlf", h.log.getLast());
        assertTrue(h.automaton.deadline().isEmpty());
    }

    /**
     * Our Configure-Request's answer was slow (a bloated uplink): we sent it again with the same
     * Identifier (§5.1), and the peer acked both copies. The second Ack matched as well as the
     * first, and taken in Opened (RCA: tld,scr, §4.1) it took the layer down again: for CCP, a
     * session that had just come up ended with "encryption lost".
     */
    @Test
    void aSecondAckToOneResentRequestLeavesTheLayerOpen() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        h.timeout(); // the same request again, the same Identifier
        h.peerRequests(0x20, AutomatonHarness.GOOD);
        ControlPacket ours = h.lastRequest();
        h.peerAcks();
        assertEquals(AutomatonState.OPENED, h.automaton.state());
        h.log.clear();
        h.sent.clear();

        // The answer to the other copy.
        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, ours.identifier(), ours.data()));
        assertEquals(AutomatonState.OPENED, h.automaton.state(), "the second Ack renegotiated: " + h.log);
        assertEquals(List.of(), h.log);
        assertEquals(List.of(), h.sent);

        // The same for a Nak that crossed the Ack: the first answer counts.
        AutomatonHarness n = reqSent(AutomatonSettings.DEFAULTS);
        n.timeout();
        n.peerAcks();
        assertEquals(AutomatonState.ACK_RCVD, n.automaton.state());
        n.peerNaks(AutomatonHarness.GOOD);
        assertEquals(AutomatonState.ACK_RCVD, n.automaton.state(), "a second answer to one request was taken");
        // A request of ours sent later is answered as usual.
        n.peerRequests(0x21, AutomatonHarness.GOOD);
        assertEquals(AutomatonState.OPENED, n.automaton.state());
        n.peerRequests(0x22, AutomatonHarness.GOOD); // the peer renegotiates: we send a new request
        assertEquals(AutomatonState.ACK_SENT, n.automaton.state());
        n.peerAcks();
        assertEquals(AutomatonState.OPENED, n.automaton.state(), "the new request's Ack was not taken");
    }

    @Test
    void closeSendsMaxTerminateRequestsThenFinishes() {
        AutomatonHarness h = opened();
        h.automaton.close();
        h.timeout();
        h.timeout();
        assertEquals(List.of("tld", "irc", "str", "str", "tlf"), h.log);
        assertEquals(AutomatonState.CLOSED, h.automaton.state());
        assertNotEquals(h.sent.get(0).identifier(), h.sent.get(1).identifier());
    }

    /**
     * RFC 1661 §5.5: the Terminate-Request's Data is ours to fill, and pppd logs it ("LCP terminated
     * by peer (Idle timeout)"); it went out empty, so the peer's user never learnt why. The resend
     * says the same, and a second Close while terminating does not change it.
     */
    @Test
    void closeWithAReasonSendsItInEveryTerminateRequest() {
        AutomatonHarness h = opened();
        h.automaton.close("Idle timeout");
        h.automaton.close("something later");
        h.timeout();

        assertEquals(2, h.sent.size());
        for (ControlPacket p : h.sent) {
            assertEquals(ControlPacket.TERMINATE_REQUEST, p.code());
            assertEquals("Idle timeout", new String(p.data(), java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /** Printable ASCII only, at most 100 octets: a reason for pppd's log line, not a report. */
    @Test
    void aTerminateReasonIsCutShortAndKeepsToPrintableAscii() {
        AutomatonHarness h = opened();
        h.automaton.close("caf\u00e9\nclosed " + "x".repeat(200));

        byte[] data = h.sent.getFirst().data();
        assertEquals(TerminateText.MAX, data.length);
        assertTrue(new String(data, java.nio.charset.StandardCharsets.US_ASCII).startsWith("caf??closed xxx"),
                new String(data, java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** A link that comes up again and is then stopped by the peer's Protocol-Reject says nothing old. */
    @Test
    void aReasonIsForgottenWhenTheLayerComesUpAgain() {
        AutomatonHarness h = opened();
        h.automaton.close("Idle timeout");
        h.timeout();
        h.timeout();
        h.automaton.open();
        h.peerRequests(0x30, AutomatonHarness.GOOD);
        h.peerAcks();
        assertEquals(AutomatonState.OPENED, h.automaton.state());
        h.sent.clear();
        h.automaton.protocolRejected();

        assertEquals(ControlPacket.TERMINATE_REQUEST, h.sent.getFirst().code());
        assertEquals(0, h.sent.getFirst().dataLength());
    }

    @Test
    void restartTimeoutIsConfigurable() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS.withRestartTimeout(Duration.ofMillis(500)));
        long start = h.clock.nanos();
        assertEquals(start + 500_000_000L, h.automaton.deadline().orElseThrow());
        h.clock.advanceMillis(500);
        h.automaton.poll();
        assertEquals(2, h.sent.size());
    }

    @Test
    void repliesToAnOlderRequestAreDiscarded() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        ControlPacket first = h.lastRequest();
        h.peerNaks(new ConfigOption(1, new byte[] {9}));
        ControlPacket second = h.lastRequest();
        assertNotEquals(first.identifier(), second.identifier(), "a new request after a valid reply gets a new Identifier");
        h.log.clear();

        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, first.identifier(), first.data()));
        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, first.identifier(), new byte[] {1, 3, 7}));
        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_REJECT, first.identifier(), first.data()));
        assertEquals(List.of(), h.log);
        assertEquals(AutomatonState.REQ_SENT, h.automaton.state());
    }

    @Test
    void anAckThatDoesNotEchoOurOptionsExactlyIsDiscarded() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        h.log.clear();
        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, h.lastRequest().identifier(), new byte[] {1, 3, 2}));
        assertEquals(AutomatonState.REQ_SENT, h.automaton.state());
        h.peerAcks();
        assertEquals(AutomatonState.ACK_RCVD, h.automaton.state());
    }

    @Test
    void aRejectMayOnlyNameOptionsWeRequested() {
        AutomatonHarness h = new AutomatonHarness();
        h.ourRequest = List.of(new ConfigOption(1, new byte[] {1}), new ConfigOption(7));
        h.automaton.open();
        h.automaton.up();
        int id = h.lastRequest().identifier();
        h.log.clear();
        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_REJECT, id, new byte[] {8, 2}));
        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_REJECT, id, new byte[] {1, 3, 5}));
        assertEquals(List.of(), h.log, "unrequested option, or a modified one: discarded");
        assertEquals(List.of(), h.rejectedWith);

        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_REJECT, id, new byte[] {7, 2}));
        assertEquals(List.of(List.of(new ConfigOption(7))), h.rejectedWith);
        assertEquals(List.of("irc", "scr"), h.log);
    }

    @Test
    void malformedOptionListsAreDiscardedWithoutReply() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        h.log.clear();
        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_REQUEST, 3, new byte[] {1, 7, 0}));
        h.automaton.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, h.lastRequest().identifier(), new byte[] {1}));
        assertEquals(List.of(), h.log);
        assertEquals(List.of(), h.nakedWith);
    }

    @Test
    void afterMaxFailureNaksTheNextAnswerIsAReject() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        for (int i = 0; i < 6; i++) {
            h.peerRequests(0x30 + i, AutomatonHarness.BAD);
        }
        List<Integer> replies = h.sent.stream().filter(p -> p.code() != ControlPacket.CONFIGURE_REQUEST)
                .map(ControlPacket::code).toList();
        assertEquals(List.of(3, 3, 3, 3, 3, 4), replies, "five Naks, then Reject");
        assertArrayEquals(ConfigOptionCodec.encode(List.of(AutomatonHarness.BAD)), h.sent.getLast().data(),
                "the Reject echoes the option unchanged");

        // Sending an Ack resets the failure count.
        h.peerRequests(0x40, AutomatonHarness.GOOD);
        h.peerRequests(0x41, AutomatonHarness.BAD);
        assertEquals(ControlPacket.CONFIGURE_NAK, h.sent.getLast().code());
    }

    @Test
    void ackAndNakCarryTheRequestIdentifierAndTheAckEchoesTheOptions() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        h.peerRequests(0x99, AutomatonHarness.BAD);
        ControlPacket nak = h.sent.getLast();
        assertEquals(ControlPacket.CONFIGURE_NAK, nak.code());
        assertEquals(0x99, nak.identifier());
        assertArrayEquals(ConfigOptionCodec.encode(List.of(AutomatonHarness.GOOD)), nak.data());

        h.peerRequests(0x9A, AutomatonHarness.GOOD, new ConfigOption(7));
        ControlPacket ack = h.sent.getLast();
        assertEquals(new ControlPacket(ControlPacket.CONFIGURE_ACK, 0x9A,
                ConfigOptionCodec.encode(List.of(AutomatonHarness.GOOD, new ConfigOption(7)))), ack);
    }

    @Test
    void terminateAckCarriesTheRequestIdentifier() {
        AutomatonHarness h = opened();
        h.automaton.receive(new ControlPacket(ControlPacket.TERMINATE_REQUEST, 0x61, new byte[] {'b', 'y', 'e'}));
        assertEquals(new ControlPacket(ControlPacket.TERMINATE_ACK, 0x61), h.sent.getLast());
        assertEquals(AutomatonState.STOPPING, h.automaton.state());
        h.timeout();
        assertEquals(AutomatonState.STOPPED, h.automaton.state(), "zrc: one timeout, then finished");
        assertEquals("tlf", h.log.getLast());
    }

    @Test
    void codeRejectCopiesTheUnknownPacketTruncatedToTheMru() {
        AutomatonHarness h = opened();
        byte[] big = new byte[2000];
        big[0] = 0x5A;
        h.automaton.receive(new ControlPacket(0x42, 0x17, big));
        ControlPacket reject = h.sent.getLast();
        assertEquals(ControlPacket.CODE_REJECT, reject.code());
        assertEquals(1500, reject.length(), "truncated to the peer's MRU");
        assertEquals(0x42, reject.dataOctet(0), "Code of the rejected packet");
        assertEquals(0x17, reject.dataOctet(1), "its Identifier");
        assertEquals(0x5A, reject.dataOctet(4), "its data");
    }

    @Test
    void packetsBeforeTheLowerLayerIsUpAreDiscarded() {
        AutomatonHarness h = new AutomatonHarness();
        h.automaton.open();
        h.log.clear();
        h.peerRequests(1, AutomatonHarness.GOOD);
        h.automaton.receive(new ControlPacket(ControlPacket.TERMINATE_REQUEST, 2));
        assertEquals(List.of(), h.log);
        assertEquals(AutomatonState.STARTING, h.automaton.state());
    }

    @Test
    void passiveOptionWaitsInStoppedWithoutFinishing() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS.withMaxConfigure(1).withPassive(true));
        h.log.clear();
        h.timeout();
        assertEquals(AutomatonState.STOPPED, h.automaton.state());
        assertEquals(List.of(), h.log, "no tlf");
        // The peer shows up later and negotiation resumes from Stopped.
        h.peerRequests(5, AutomatonHarness.GOOD);
        assertEquals(AutomatonState.ACK_SENT, h.automaton.state());
    }

    @Test
    void restartOptionRenegotiatesOnOpenWhileOpened() {
        AutomatonHarness h = new AutomatonHarness(AutomatonSettings.DEFAULTS.withRestartOnOpen(true));
        h.automaton.open();
        h.automaton.up();
        h.peerRequests(0x20, AutomatonHarness.GOOD);
        h.peerAcks();
        h.log.clear();
        h.automaton.open();
        assertEquals(List.of("tld", "irc", "scr"), h.log, "Down then Up");
        assertEquals(AutomatonState.REQ_SENT, h.automaton.state());
    }

    @Test
    void eventsRaisedInsideACallbackRunAfterTheCurrentOne() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        h.onUp = h.automaton::close;
        h.peerAcks();
        h.peerRequests(0x21, AutomatonHarness.GOOD);
        // sca,tlu/9 completes first; the Close raised in tlu then runs in Opened: tld,irc,str/4.
        assertEquals(List.of("sca", "tlu", "tld", "irc", "str"), h.log.subList(h.log.size() - 5, h.log.size()));
        assertEquals(AutomatonState.CLOSING, h.automaton.state());
    }

    @Test
    void protocolRejectOfThisProtocolStopsIt() {
        AutomatonHarness h = reqSent(AutomatonSettings.DEFAULTS);
        h.log.clear();
        h.automaton.protocolRejected();
        assertEquals(List.of("tlf"), h.log);
        assertEquals(AutomatonState.STOPPED, h.automaton.state());
    }
}
