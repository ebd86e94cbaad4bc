package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Outgoing-Call-Request, RFC 2637 §2.7 (PNS to PAC). Call ID is the PNS's own. */
public record OutgoingCallRequest(int callId, int callSerialNumber, int minimumBps, int maximumBps, int bearerType, int framingType, int packetRecvWindowSize, int packetProcessingDelay, String phoneNumber, String subaddress) implements ControlMessage {

    public OutgoingCallRequest {
        u16("callId", callId);
        u16("callSerialNumber", callSerialNumber);
        u16("packetRecvWindowSize", packetRecvWindowSize);
        u16("packetProcessingDelay", packetProcessingDelay);
        text("phoneNumber", phoneNumber, ControlProtocol.NAME_FIELD_LENGTH);
        text("subaddress", subaddress, ControlProtocol.NAME_FIELD_LENGTH);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.OUTGOING_CALL_REQUEST;
    }
}
