package org.homerouter.pptp.ppp.lcp;

/**
 * LCP Codes beyond the seven every control protocol shares (those are in
 * {@link org.homerouter.pptp.ppp.ControlPacket}).
 */
public final class LcpCode {
    private LcpCode() {
    }

    /** Protocol-Reject (RFC 1661 §5.7). */
    public static final int PROTOCOL_REJECT = 8;
    /** Echo-Request (RFC 1661 §5.8). */
    public static final int ECHO_REQUEST = 9;
    /** Echo-Reply (RFC 1661 §5.8). */
    public static final int ECHO_REPLY = 10;
    /** Discard-Request (RFC 1661 §5.9). */
    public static final int DISCARD_REQUEST = 11;
    /** Identification (RFC 1570 §2.1); Windows sends its RAS version with it. */
    public static final int IDENTIFICATION = 12;
    /** Time-Remaining (RFC 1570 §2.2). */
    public static final int TIME_REMAINING = 13;
}
