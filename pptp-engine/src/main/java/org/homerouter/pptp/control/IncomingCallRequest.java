package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Incoming-Call-Request, RFC 2637 §2.9 (PAC to PNS). Call ID is the PAC's own. */
public record IncomingCallRequest(int callId, int callSerialNumber, int callBearerType, int physicalChannelId, String dialedNumber, String dialingNumber, String subaddress) implements ControlMessage {

    public IncomingCallRequest {
        u16("callId", callId);
        u16("callSerialNumber", callSerialNumber);
        text("dialedNumber", dialedNumber, ControlProtocol.NAME_FIELD_LENGTH);
        text("dialingNumber", dialingNumber, ControlProtocol.NAME_FIELD_LENGTH);
        text("subaddress", subaddress, ControlProtocol.NAME_FIELD_LENGTH);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.INCOMING_CALL_REQUEST;
    }
}
