package org.homerouter.pptp.ppp;

/**
 * PPP Protocol field values used by the engine (RFC 1661 §2, assigned numbers from the IANA PPP
 * registry). Only the protocols a PPTP server speaks are listed; anything else is Protocol-Rejected
 * by the session.
 */
public final class PppProtocol {
    private PppProtocol() {
    }

    /** Internet Protocol version 4 datagrams (RFC 1332). */
    public static final int IPV4 = 0x0021;
    /** Internet Protocol version 6 datagrams (RFC 5072). */
    public static final int IPV6 = 0x0057;
    /** Compressed datagram, MPPE-encrypted payload (RFC 1962, RFC 3078). */
    public static final int COMPRESSED_DATAGRAM = 0x00FD;
    /** IP Control Protocol (RFC 1332). */
    public static final int IPCP = 0x8021;
    /** IPv6 Control Protocol (RFC 5072). */
    public static final int IPV6CP = 0x8057;
    /** Compression Control Protocol (RFC 1962), which negotiates MPPE. */
    public static final int CCP = 0x80FD;
    /** Link Control Protocol (RFC 1661). */
    public static final int LCP = 0xC021;
    /** Password Authentication Protocol (RFC 1334). */
    public static final int PAP = 0xC023;
    /** Challenge Handshake Authentication Protocol (RFC 1994; MS-CHAP variants RFC 2433/2759). */
    public static final int CHAP = 0xC223;

    /**
     * Whether a Protocol field value is well formed: RFC 1661 §2 requires the low octet to be odd
     * and the high octet to be even. Ill-formed values are treated as an unrecognized protocol
     * (Protocol-Reject), not as a malformed frame.
     */
    public static boolean isWellFormed(int protocol) {
        return (protocol & 0x0001) == 1 && (protocol & 0x0100) == 0 && protocol >= 0 && protocol <= 0xFFFF;
    }
}
