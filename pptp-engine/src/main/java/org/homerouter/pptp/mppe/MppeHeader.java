package org.homerouter.pptp.mppe;

/**
 * The two-octet MPPE header in front of every encrypted PPP packet (RFC 3078 §3):
 *
 * <pre>
 *  0                   1
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
 * |A|B|C|D|   Coherency Count     |
 * </pre>
 *
 * It travels as the information of a PPP packet with protocol 0x00FD (compressed datagram, RFC
 * 1962 §2.1) and is followed by the RC4-encrypted PPP protocol field and information.
 */
public final class MppeHeader {
    /** Header length in octets. */
    public static final int LENGTH = 2;
    /** A: the RC4 tables were re-initialised before this packet ("flushed"). */
    public static final int FLUSHED = 0x80;
    /** B: MPPC only (RFC 2118); meaningless for MPPE. */
    public static final int MPPC_AT_FRONT = 0x40;
    /** C: MPPC compressed (RFC 2118); never negotiated here. */
    public static final int COMPRESSED = 0x20;
    /** D: the packet is encrypted. */
    public static final int ENCRYPTED = 0x10;
    /** The 12-bit coherency count wraps at 4096. */
    public static final int COUNT_SPACE = 0x1000;
    public static final int COUNT_MASK = COUNT_SPACE - 1;
    /** PPP protocol number that carries MPPE packets (RFC 1962 §2.1). */
    public static final int PPP_PROTOCOL = 0x00FD;

    private MppeHeader() {
    }

    /** The coherency count from the two header octets. */
    public static int count(byte first, byte second) {
        return ((first & 0x0F) << 8) | (second & 0xFF);
    }

    /** A "flag" packet ends a block of 256 and carries a key change in stateful mode (RFC 3078 §7). */
    static boolean isFlagPacket(int count) {
        return (count & 0xFF) == 0xFF;
    }
}
