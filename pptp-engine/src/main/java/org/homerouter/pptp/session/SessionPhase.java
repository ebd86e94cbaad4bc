package org.homerouter.pptp.session;

/** The link phases of RFC 1661 §3.2, as a session moves through them. */
public enum SessionPhase {
    /** Link Dead: nothing yet, or all over. */
    DEAD,
    /** Link Establishment: LCP negotiating. */
    ESTABLISH,
    /** Authentication (§3.5): only LCP and the authentication protocol may pass. */
    AUTHENTICATE,
    /** Network-Layer Protocol (§3.6): CCP and IPCP, then IP. */
    NETWORK,
    /** Link Termination (§3.7). */
    TERMINATE
}
