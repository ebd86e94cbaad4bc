package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Incoming-Call-Reply, RFC 2637 §2.10 (PNS to PAC). Call ID is the PNS's; Peer's Call ID the PAC's. */
public record IncomingCallReply(int callId, int peerCallId, int resultCode, int errorCode, int packetRecvWindowSize, int packetTransmitDelay) implements ControlMessage {
    /** Result Codes (§2.10). */
    public static final int RESULT_CONNECT = 1;
    public static final int RESULT_GENERAL_ERROR = 2;
    public static final int RESULT_DO_NOT_ACCEPT = 3;

    public IncomingCallReply {
        u16("callId", callId);
        u16("peerCallId", peerCallId);
        u8("resultCode", resultCode);
        u8("errorCode", errorCode);
        u16("packetRecvWindowSize", packetRecvWindowSize);
        u16("packetTransmitDelay", packetTransmitDelay);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.INCOMING_CALL_REPLY;
    }
}
