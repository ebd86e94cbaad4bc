package org.homerouter.pptp.ppp;

import java.util.List;
import java.util.Optional;

/**
 * The protocol-specific half of an option negotiation automaton: what LCP, IPCP, CCP or IPv6CP put
 * in their Configure-Requests, how they judge the peer's, and what This-Layer-Up/Down/Started/
 * Finished mean for them. Called only from the automaton, one call at a time; a call may feed new
 * events to the automaton (they are queued until the current one has finished).
 */
public interface ProtocolLayer {

    /**
     * A fresh negotiation begins (a Configure-Request is about to be sent from a state that was not
     * negotiating): forget what earlier Naks and Rejects taught and start from the configured wishes.
     */
    void resetOptions();

    /** The options for our next Configure-Request (RFC 1661 §5.1), in the order to send them. */
    List<ConfigOption> configureRequest();

    /**
     * Judges the peer's Configure-Request (RFC 1661 §5.2-5.4). When {@code rejectInsteadOfNak} is
     * set, Max-Failure Naks have been sent without an Ack and anything that would be Nak'd must be
     * rejected instead (§4.6), so that negotiation converges.
     */
    ConfigureReply judgeConfigureRequest(List<ConfigOption> requested, boolean rejectInsteadOfNak);

    /** The peer acknowledged our last Configure-Request, whose options these are (§5.2). */
    void configureAcked(List<ConfigOption> acked);

    /**
     * The peer Nak'd our last Configure-Request suggesting these values (§5.3).
     *
     * @return false if the Nak is invalid and must be silently discarded (no RCN event)
     */
    boolean configureNaked(List<ConfigOption> suggested);

    /**
     * The peer rejected these options of our last Configure-Request (§5.4); the automaton has
     * checked that they were in it.
     *
     * @return false if the Reject must be silently discarded (no RCN event)
     */
    boolean configureRejected(List<ConfigOption> rejected);

    /** This-Layer-Up (§4.4): the layer reached Opened. */
    void thisLayerUp();

    /** This-Layer-Down (§4.4): the layer is leaving Opened. */
    void thisLayerDown();

    /** This-Layer-Started (§4.4): the layer wants its lower layer up. */
    void thisLayerStarted();

    /** This-Layer-Finished (§4.4): the layer no longer needs its lower layer. */
    void thisLayerFinished();

    /**
     * Whether a Code-Reject of this code is catastrophic (RXJ-) rather than survivable (RXJ+).
     * RFC 1661 §4.3: rejecting one of the codes every implementation must know, 1..7, is
     * catastrophic; rejecting an extension code is not.
     */
    /**
     * Whether a Configure-Request that repeats, Identifier and options alike, the one last acked
     * while Opened is taken as a retransmission (our Configure-Ack was lost, and the peer's timer
     * ran out) and acked again without leaving Opened, once per request. RFC 1661 §4.3 would
     * renegotiate: for CCP that takes encryption down, which ends a session that requires it, so
     * one lost packet during setup would fail the connection. A second repeat is renegotiated as
     * the RFC says, so a peer that really restarted its negotiation still gets one.
     */
    default boolean reAcksARepeatedRequest() {
        return false;
    }

    default boolean isCatastrophicCodeReject(int rejectedCode) {
        return rejectedCode >= ControlPacket.CONFIGURE_REQUEST && rejectedCode <= ControlPacket.CODE_REJECT;
    }

    /** Classifies (and may act on) a packet whose Code is above 7; unknown codes draw a Code-Reject. */
    default ExtensionEvent extensionPacket(ControlPacket packet, AutomatonState state) {
        return ExtensionEvent.UNKNOWN;
    }

    /** The Echo-Reply for an RXR packet (the ser action), or empty when the packet wants none. */
    default Optional<ControlPacket> echoReply(ControlPacket rxrPacket) {
        return Optional.empty();
    }

    /**
     * The largest packet the peer accepts (its MRU), used to truncate a Code-Reject's copy of the
     * rejected packet (RFC 1661 §5.6). The default is the PPP default MRU (§6.1).
     */
    default int maxPacketLength() {
        return 1500;
    }
}
