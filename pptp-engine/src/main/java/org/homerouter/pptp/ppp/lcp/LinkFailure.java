package org.homerouter.pptp.ppp.lcp;

/** Why LCP gave up on a link of its own accord. */
public enum LinkFailure {
    /** Echo-Requests went unanswered for the configured number of intervals. */
    KEEPALIVE_TIMEOUT,
    /** Our own Magic-Number kept coming back: the link is looped back (RFC 1661 §6.4). */
    LOOPED_BACK,
    /** The peer refused every authentication method we allow (RFC 1661 §6.2). */
    AUTHENTICATION_REFUSED
}
