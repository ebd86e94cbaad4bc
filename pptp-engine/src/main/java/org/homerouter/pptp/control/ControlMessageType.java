package org.homerouter.pptp.control;

/**
 * The 15 control message types of RFC 2637 §2, each with its fixed total length (header included).
 * A message whose Length field differs from its type's length is malformed: every PPTP control
 * message has a fixed layout.
 */
public enum ControlMessageType {
    START_CONTROL_CONNECTION_REQUEST(1, 156, "SCCRQ"),
    START_CONTROL_CONNECTION_REPLY(2, 156, "SCCRP"),
    STOP_CONTROL_CONNECTION_REQUEST(3, 16, "StopCCRQ"),
    STOP_CONTROL_CONNECTION_REPLY(4, 16, "StopCCRP"),
    ECHO_REQUEST(5, 16, "Echo-Request"),
    ECHO_REPLY(6, 20, "Echo-Reply"),
    OUTGOING_CALL_REQUEST(7, 168, "OCRQ"),
    OUTGOING_CALL_REPLY(8, 32, "OCRP"),
    INCOMING_CALL_REQUEST(9, 220, "ICRQ"),
    INCOMING_CALL_REPLY(10, 24, "ICRP"),
    INCOMING_CALL_CONNECTED(11, 28, "ICCN"),
    CALL_CLEAR_REQUEST(12, 16, "CCRQ"),
    CALL_DISCONNECT_NOTIFY(13, 148, "CDN"),
    WAN_ERROR_NOTIFY(14, 40, "WEN"),
    SET_LINK_INFO(15, 24, "SLI");

    private static final ControlMessageType[] BY_CODE = new ControlMessageType[16];

    static {
        for (ControlMessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final int length;
    private final String abbreviation;

    ControlMessageType(int code, int length, String abbreviation) {
        this.code = code;
        this.length = length;
        this.abbreviation = abbreviation;
    }

    /** The Control Message Type field's value. */
    public int code() {
        return code;
    }

    /** The total message length in octets, header included (the Length field's only legal value). */
    public int length() {
        return length;
    }

    /** The short name used in logs and in RFC 2637's text, e.g. "SCCRQ". */
    public String abbreviation() {
        return abbreviation;
    }

    /** The type for a Control Message Type field value, or null for 0 and 16..65535. */
    public static ControlMessageType ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
