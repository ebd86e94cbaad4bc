package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Call-Disconnect-Notify, RFC 2637 §2.13 (PAC to PNS). Call ID is the PAC's own (some servers send the PNS's). */
public record CallDisconnectNotify(int callId, int resultCode, int errorCode, int causeCode, String callStatistics) implements ControlMessage {
    /** Result Codes (§2.13). */
    public static final int RESULT_LOST_CARRIER = 1;
    public static final int RESULT_GENERAL_ERROR = 2;
    public static final int RESULT_ADMIN_SHUTDOWN = 3;
    public static final int RESULT_REQUEST = 4;

    public CallDisconnectNotify {
        u16("callId", callId);
        u8("resultCode", resultCode);
        u8("errorCode", errorCode);
        u16("causeCode", causeCode);
        text("callStatistics", callStatistics, ControlProtocol.CALL_STATISTICS_LENGTH);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.CALL_DISCONNECT_NOTIFY;
    }
}
