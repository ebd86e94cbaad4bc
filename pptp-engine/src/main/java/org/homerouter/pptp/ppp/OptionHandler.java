package org.homerouter.pptp.ppp;

/**
 * Negotiates one Configuration Option type in both directions, in the style of accel-ppp's
 * lcp_opt_*.c handlers: what we request for ourselves, how we react to the peer's answer, and how
 * we judge the peer's request for it. Holds the option's state for one link; an
 * {@link OptionRegistry} dispatches to it by type.
 */
public interface OptionHandler {

    /** The option's Type octet. */
    int type();

    /**
     * Whether a Data field has the size this option type needs. Checked before any other call:
     * a malformed option in a peer's request is rejected, in a Nak it invalidates the packet.
     */
    boolean wellFormed(byte[] data);

    /** A fresh negotiation: return to the configured wish and forget the peer's earlier answers. */
    void reset();

    /** The Data to put in our next Configure-Request, or null to leave the option out. */
    byte[] requestValue();

    /** The peer acknowledged our request carrying this Data. */
    void acked(byte[] data);

    /**
     * The peer Nak'd the option suggesting this Data (RFC 1661 §5.3), possibly for an option we did
     * not request (the peer asks us to request it). Adjust the next request.
     */
    void naked(byte[] data);

    /** The peer rejected the option (§5.4): stop requesting it. */
    void rejected();

    /**
     * A new Configure-Request from the peer is about to be judged. Forget what the previous one
     * asked: an option the peer no longer includes reverts to its default.
     */
    void peerRequestStarts();

    /** Judges the peer's request for this option, recording the value if it is acknowledged. */
    OptionVerdict judge(byte[] data);

    /**
     * The peer's Configure-Request left this option out. Returns the Data to suggest in a
     * Configure-Nak, which RFC 1661 §5.3 allows for an option the peer did not include, or null
     * to accept the option's default.
     *
     * @param mayNak false once Max-Failure is reached (§4.6): no Nak will be sent, whatever is returned
     */
    default byte[] nakWhenMissing(boolean mayNak) {
        return null;
    }
}
