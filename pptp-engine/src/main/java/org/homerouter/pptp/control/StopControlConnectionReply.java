package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Stop-Control-Connection-Reply, RFC 2637 §2.4. */
public record StopControlConnectionReply(int resultCode, int errorCode) implements ControlMessage {
    /** Result Codes (§2.4). */
    public static final int RESULT_OK = 1;
    public static final int RESULT_GENERAL_ERROR = 2;

    public StopControlConnectionReply {
        u8("resultCode", resultCode);
        u8("errorCode", errorCode);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.STOP_CONTROL_CONNECTION_REPLY;
    }
}
