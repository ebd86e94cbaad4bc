package org.homerouter.pptp.ppp;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One packet of the LCP family (LCP, IPCP, CCP, IPv6CP all share it): Code, Identifier and Data,
 * laid out as in RFC 1661 §5. The Length field is not stored; it follows from the data.
 *
 * <p>The data array is copied in and out, so instances are immutable values.
 *
 * @param code the Code field, 1..255
 * @param identifier the Identifier field, 0..255
 * @param data the Data field (for the Configure codes: the option list)
 */
public record ControlPacket(int code, int identifier, byte[] data) {
    /** Configure-Request (RFC 1661 §5.1). */
    public static final int CONFIGURE_REQUEST = 1;
    /** Configure-Ack (§5.2). */
    public static final int CONFIGURE_ACK = 2;
    /** Configure-Nak (§5.3). */
    public static final int CONFIGURE_NAK = 3;
    /** Configure-Reject (§5.4). */
    public static final int CONFIGURE_REJECT = 4;
    /** Terminate-Request (§5.5). */
    public static final int TERMINATE_REQUEST = 5;
    /** Terminate-Ack (§5.5). */
    public static final int TERMINATE_ACK = 6;
    /** Code-Reject (§5.6). */
    public static final int CODE_REJECT = 7;

    /** Code, Identifier and Length: the fixed part before Data (§5). */
    public static final int HEADER_LENGTH = 4;
    /** Largest Data field the 16-bit Length can describe. */
    public static final int MAX_DATA_LENGTH = 0xFFFF - HEADER_LENGTH;

    public ControlPacket {
        if (code < 0 || code > 0xFF) {
            throw new IllegalArgumentException("code out of range 0..255: " + code);
        }
        if (identifier < 0 || identifier > 0xFF) {
            throw new IllegalArgumentException("identifier out of range 0..255: " + identifier);
        }
        if (data.length > MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("data longer than " + MAX_DATA_LENGTH);
        }
        data = data.clone();
    }

    /** A packet without data (Terminate-Ack, an empty Configure-Request...). */
    public ControlPacket(int code, int identifier) {
        this(code, identifier, new byte[0]);
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Length of the Data field without copying it. */
    public int dataLength() {
        return data.length;
    }

    /** One octet of the Data field, unsigned, without copying the array. */
    public int dataOctet(int index) {
        return data[index] & 0xFF;
    }

    /** The value of the Length field: header plus data. */
    public int length() {
        return HEADER_LENGTH + data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ControlPacket p && p.code == code && p.identifier == identifier
                && Arrays.equals(p.data, data);
    }

    @Override
    public int hashCode() {
        return (code * 31 + identifier) * 31 + Arrays.hashCode(data);
    }

    /**
     * Code, identifier and length only: PAP and CHAP packets share this type, and a PAP
     * Authenticate-Request's data is the user's password in clear (RFC 1334 §2.2.1), so the
     * default text never holds the data, whichever log line a packet ends up in.
     */
    @Override
    public String toString() {
        return "ControlPacket[code=" + code + ", id=" + identifier + ", " + data.length + " octets]";
    }

    /** The default text with the data in hex: for the option lists of LCP, IPCP and CCP, never for authentication. */
    public String withData() {
        return "ControlPacket[code=" + code + ", id=" + identifier + ", data=" + HexFormat.of().formatHex(data) + "]";
    }
}
