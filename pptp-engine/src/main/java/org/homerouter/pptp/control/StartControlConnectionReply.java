package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Start-Control-Connection-Reply, RFC 2637 §2.2. */
public record StartControlConnectionReply(int protocolVersion, int resultCode, int errorCode, int framingCapabilities, int bearerCapabilities, int maximumChannels, int firmwareRevision, String hostName, String vendorString) implements ControlMessage {
    /** Result Codes (§2.2). */
    public static final int RESULT_OK = 1;
    public static final int RESULT_GENERAL_ERROR = 2;
    public static final int RESULT_ALREADY_EXISTS = 3;
    public static final int RESULT_NOT_AUTHORIZED = 4;
    public static final int RESULT_BAD_PROTOCOL_VERSION = 5;

    public StartControlConnectionReply {
        u16("protocolVersion", protocolVersion);
        u8("resultCode", resultCode);
        u8("errorCode", errorCode);
        u16("maximumChannels", maximumChannels);
        u16("firmwareRevision", firmwareRevision);
        text("hostName", hostName, ControlProtocol.NAME_FIELD_LENGTH);
        text("vendorString", vendorString, ControlProtocol.NAME_FIELD_LENGTH);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.START_CONTROL_CONNECTION_REPLY;
    }
}
