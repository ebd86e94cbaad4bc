package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Call-Clear-Request, RFC 2637 §2.12 (PNS to PAC). Call ID is the PNS's own. */
public record CallClearRequest(int callId) implements ControlMessage {

    public CallClearRequest {
        u16("callId", callId);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.CALL_CLEAR_REQUEST;
    }
}
