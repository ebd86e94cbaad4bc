package org.homerouter.pptp.ppp.ccp;

/**
 * Why CCP could not give the link the encryption it needs. RFC 3078 §2: "If MPPE negotiation is
 * attempted and fails, the link SHOULD be terminated"; pppd closes LCP in each of these cases, and
 * the session should do the same. The first four are what Windows clients report as an encryption
 * mismatch (errors 741 and 742, "the local/remote computer does not support the required data
 * encryption type"), so {@link #encryptionMismatch()} lets diagnostics count them together.
 */
public enum CcpFailure {
    /**
     * The peer Configure-Rejected our MPPE option, or kept asking to receive without encryption:
     * it will not do MPPE at all (pppd: "MPPE required but peer refused").
     */
    PEER_REFUSED_ENCRYPTION("peer refused encryption", true),
    /**
     * The peer does MPPE, but only with strengths or a mode our policy refuses, e.g. 40-bit only,
     * or stateful only when stateless is required (pppd: "MPPE required but peer negotiation failed").
     */
    NO_COMMON_ENCRYPTION("no encryption strength or mode acceptable to both ends", true),
    /**
     * The two directions ended up with different strengths or modes. RFC 1962 §4 negotiates each
     * direction on its own, but MPPE as pppd and Windows run it uses one setting for both, and so
     * does the session.
     */
    DIRECTIONS_DISAGREE("the two directions agreed on different encryption", true),
    /**
     * CCP finished without encryption: it never reached Opened (no answer, Terminate, or a
     * Protocol-Reject of CCP), or opened without encryption (optional MPPE) and then finished.
     */
    NOT_NEGOTIATED("encryption was never negotiated", true),
    /**
     * CCP left Opened while encrypting (the peer's Terminate-Request or renegotiation), or came up
     * again after that. Restarting MPPE would start the keystream again from the same start keys,
     * so the link must end instead (pppd: "MPPE disabled").
     */
    ENCRYPTION_STOPPED("the peer stopped encryption", false),
    /**
     * Stateful mode: our Reset-Requests went unanswered while packets kept failing to decrypt (pppd's
     * counterpart is its "Too many MPPE errors").
     */
    RESET_UNANSWERED("the peer does not answer CCP Reset-Requests", false);

    private final String description;
    private final boolean encryptionMismatch;

    CcpFailure(String description, boolean encryptionMismatch) {
        this.description = description;
        this.encryptionMismatch = encryptionMismatch;
    }

    /** A short reason for logs and the disconnect cause. */
    public String description() {
        return description;
    }

    /** Whether this is a negotiation mismatch (Windows error 741/742 style) rather than a later failure. */
    public boolean encryptionMismatch() {
        return encryptionMismatch;
    }
}
