package org.homerouter.pptp.ppp;

/**
 * What a packet whose Code lies outside the common 1..7 means to the automaton, as decided by the
 * protocol that owns it (LCP's codes 8..13 per RFC 1661 §5.7-5.9 and RFC 1570; CCP's Reset codes).
 */
public enum ExtensionEvent {
    /** An Echo-Request, Echo-Reply or Discard-Request (the RXR event). */
    RXR,
    /** A reject the layer survives, e.g. Protocol-Reject of an NCP (RXJ+). */
    RXJ_PLUS,
    /** A reject that makes the layer unusable, e.g. Protocol-Reject of LCP (RXJ-). */
    RXJ_MINUS,
    /** Handled by the protocol without affecting the automaton, or discarded as invalid. */
    CONSUMED,
    /** A code the protocol does not know: the RUC event, answered with Code-Reject. */
    UNKNOWN
}
