package org.homerouter.pptp.ppp.lcp;

import java.util.Arrays;
import java.util.Optional;
import org.homerouter.pptp.ppp.PppProtocol;

/**
 * The authentication methods LCP can agree on, with the Data of their Authentication-Protocol
 * option (RFC 1661 §6.2): the two-octet protocol, then for CHAP the one-octet algorithm
 * (RFC 1994 §3; 0x81 is MS-CHAPv2 per RFC 2759).
 */
public enum AuthMethod {
    /** MS-CHAP version 2: CHAP with algorithm 0x81 (RFC 2759). */
    MS_CHAP_V2(new byte[] {(byte) 0xC2, 0x23, (byte) 0x81}),
    /** CHAP with MD5: algorithm 5 (RFC 1994). */
    CHAP_MD5(new byte[] {(byte) 0xC2, 0x23, 0x05}),
    /** PAP (RFC 1334): the protocol alone. */
    PAP(new byte[] {(byte) 0xC0, 0x23});

    private final byte[] optionData;

    AuthMethod(byte[] optionData) {
        this.optionData = optionData;
    }

    /** The Authentication-Protocol option's Data for this method. */
    public byte[] optionData() {
        return optionData.clone();
    }

    /** The PPP protocol that carries the authentication exchange. */
    public int protocol() {
        return (optionData[0] & 0xFF) << 8 | optionData[1] & 0xFF;
    }

    /** The method an Authentication-Protocol option's Data names, if it is one we know. */
    public static Optional<AuthMethod> fromOptionData(byte[] data) {
        for (AuthMethod m : values()) {
            if (Arrays.equals(m.optionData, data)) {
                return Optional.of(m);
            }
        }
        // RFC 1334 gives PAP no data after the protocol; tolerate trailing octets from odd peers.
        if (data.length > 2 && ((data[0] & 0xFF) << 8 | data[1] & 0xFF) == PppProtocol.PAP) {
            return Optional.of(PAP);
        }
        return Optional.empty();
    }
}
