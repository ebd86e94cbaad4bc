package org.homerouter.pptp.control;

/** Constants of the PPTP control connection header and protocol (RFC 2637 §1.4, §2). */
public final class ControlProtocol {
    private ControlProtocol() {
    }

    /** Well-known TCP port of the control connection. */
    public static final int TCP_PORT = 1723;
    /** PPTP Message Type 1: control message (2 would be management, never used). */
    public static final int MESSAGE_TYPE_CONTROL = 1;
    /** Magic Cookie, constant in every control message; a mismatch means the stream lost framing. */
    public static final int MAGIC_COOKIE = 0x1A2B3C4D;
    /** Protocol Version 1.0 (high octet major, low octet minor). */
    public static final int PROTOCOL_VERSION = 0x0100;
    /** Length, PPTP Message Type, Magic Cookie, Control Message Type, Reserved0. */
    public static final int HEADER_LENGTH = 12;
    /** Largest control message (ICRQ, 220 octets). */
    public static final int MAX_MESSAGE_LENGTH = 220;
    /** Host Name, Vendor String, Phone Number, Subaddress, Dialed/Dialing Number: 64 octets. */
    public static final int NAME_FIELD_LENGTH = 64;
    /** Call Statistics in Call-Disconnect-Notify: 128 octets. */
    public static final int CALL_STATISTICS_LENGTH = 128;

    // Framing Capabilities / Framing Type (§2.1, §2.7)
    public static final int FRAMING_ASYNC = 1;
    public static final int FRAMING_SYNC = 2;
    // Bearer Capabilities / Bearer Type (§2.1, §2.7)
    public static final int BEARER_ANALOG = 1;
    public static final int BEARER_DIGITAL = 2;

    /** General Error Codes (§2.16), carried in the Error Code field when Result Code is "General Error". */
    public static final int ERROR_NONE = 0;
    public static final int ERROR_NOT_CONNECTED = 1;
    public static final int ERROR_BAD_FORMAT = 2;
    public static final int ERROR_BAD_VALUE = 3;
    public static final int ERROR_NO_RESOURCE = 4;
    public static final int ERROR_BAD_CALL_ID = 5;
    public static final int ERROR_PAC_ERROR = 6;
}
