package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Echo-Reply, RFC 2637 §2.6. */
public record EchoReply(int identifier, int resultCode, int errorCode) implements ControlMessage {
    /** Result Codes (§2.6). */
    public static final int RESULT_OK = 1;
    public static final int RESULT_GENERAL_ERROR = 2;

    public EchoReply {
        u8("resultCode", resultCode);
        u8("errorCode", errorCode);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.ECHO_REPLY;
    }
}
