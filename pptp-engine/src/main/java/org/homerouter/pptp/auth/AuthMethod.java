package org.homerouter.pptp.auth;

import java.util.Arrays;
import java.util.Optional;

import org.homerouter.pptp.ppp.ConfigOption;
import org.homerouter.pptp.ppp.PppProtocol;

/**
 * The authentication protocols the engine speaks, with how LCP names them in its
 * Authentication-Protocol option (RFC 1661 §6.2, type 3): the two-octet protocol number, and for
 * CHAP one more octet for the algorithm (RFC 1994 §3: 5 = MD5; RFC 2759 §2: 0x81 = MS-CHAPv2).
 */
public enum AuthMethod {
    /** Password Authentication Protocol, RFC 1334 §2: option data c0 23. */
    PAP(PppProtocol.PAP, -1),
    /** CHAP with MD5, RFC 1994: option data c2 23 05. */
    CHAP_MD5(PppProtocol.CHAP, 0x05),
    /** Microsoft CHAP version 2, RFC 2759: option data c2 23 81. */
    MSCHAP_V2(PppProtocol.CHAP, 0x81);

    /** LCP Configuration Option type of Authentication-Protocol (RFC 1661 §6.2). */
    public static final int LCP_OPTION_TYPE = 3;

    private final int protocol;
    private final int chapAlgorithm;

    AuthMethod(int protocol, int chapAlgorithm) {
        this.protocol = protocol;
        this.chapAlgorithm = chapAlgorithm;
    }

    /** The PPP protocol number its packets travel under: 0xC023 or 0xC223. */
    public int protocol() {
        return protocol;
    }

    /** The data of the LCP Authentication-Protocol option that asks for this method. */
    public byte[] optionData() {
        byte[] p = {(byte) (protocol >>> 8), (byte) protocol};
        return chapAlgorithm < 0 ? p : new byte[] {p[0], p[1], (byte) chapAlgorithm};
    }

    /** The whole LCP Authentication-Protocol option for this method. */
    public ConfigOption lcpOption() {
        return new ConfigOption(LCP_OPTION_TYPE, optionData());
    }

    /** As the owner reads it: "MS-CHAP v2", "CHAP-MD5", "PAP". */
    public String displayName() {
        return switch (this) {
            case PAP -> "PAP";
            case CHAP_MD5 -> "CHAP-MD5";
            case MSCHAP_V2 -> "MS-CHAP v2";
        };
    }

    /**
     * Names the method an Authentication-Protocol option's data asks for, also one the engine does
     * not speak: EAP (0xC227, RFC 3748), MS-CHAP version 1 (CHAP algorithm 0x80, RFC 2433), SPAP
     * (0xC027), another CHAP algorithm, or the protocol number.
     */
    public static String describe(byte[] data) {
        Optional<AuthMethod> known = fromOptionData(data);
        if (known.isPresent()) {
            return known.get().displayName();
        }
        if (data.length < 2) {
            return "an unreadable method";
        }
        int protocol = (data[0] & 0xFF) << 8 | data[1] & 0xFF;
        return switch (protocol) {
            case 0xC227 -> "EAP";
            case 0xC027 -> "SPAP (Shiva)";
            case PppProtocol.CHAP -> data.length < 3 ? "CHAP without an algorithm"
                    : (data[2] & 0xFF) == 0x80 ? "MS-CHAP (version 1)"
                    : String.format("CHAP with algorithm 0x%02X", data[2] & 0xFF);
            default -> String.format("protocol 0x%04X", protocol);
        };
    }

    /**
     * The method an Authentication-Protocol option's data names, or empty if it names one the
     * engine does not speak (EAP, MS-CHAPv1, an unknown CHAP algorithm, extra octets).
     */
    public static Optional<AuthMethod> fromOptionData(byte[] data) {
        for (AuthMethod m : values()) {
            if (Arrays.equals(m.optionData(), data)) {
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
