package org.homerouter.pptp.ppp.ccp;

/**
 * CCP Codes beyond the seven every control protocol shares (those are in
 * {@link org.homerouter.pptp.ppp.ControlPacket}).
 */
public final class CcpCode {
    private CcpCode() {
    }

    /** Reset-Request (RFC 1962 §3.1): the decompressor (here: MPPE decryptor) lost sync. */
    public static final int RESET_REQUEST = 14;
    /** Reset-Ack (RFC 1962 §3.1): echoes the Request's Identifier; the sender has reset. */
    public static final int RESET_ACK = 15;
}
