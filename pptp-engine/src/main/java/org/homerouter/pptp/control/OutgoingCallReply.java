package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Outgoing-Call-Reply, RFC 2637 §2.8 (PAC to PNS). Call ID is the PAC's; Peer's Call ID the PNS's. */
public record OutgoingCallReply(int callId, int peerCallId, int resultCode, int errorCode, int causeCode, int connectSpeed, int packetRecvWindowSize, int packetProcessingDelay, int physicalChannelId) implements ControlMessage {
    /** Result Codes (§2.8). */
    public static final int RESULT_CONNECTED = 1;
    public static final int RESULT_GENERAL_ERROR = 2;
    public static final int RESULT_NO_CARRIER = 3;
    public static final int RESULT_BUSY = 4;
    public static final int RESULT_NO_DIAL_TONE = 5;
    public static final int RESULT_TIME_OUT = 6;
    public static final int RESULT_DO_NOT_ACCEPT = 7;

    public OutgoingCallReply {
        u16("callId", callId);
        u16("peerCallId", peerCallId);
        u8("resultCode", resultCode);
        u8("errorCode", errorCode);
        u16("causeCode", causeCode);
        u16("packetRecvWindowSize", packetRecvWindowSize);
        u16("packetProcessingDelay", packetProcessingDelay);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.OUTGOING_CALL_REPLY;
    }
}
