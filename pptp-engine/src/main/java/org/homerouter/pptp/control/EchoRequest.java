package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Echo-Request, RFC 2637 §2.5: keepalive, identifier echoed back in the reply. */
public record EchoRequest(int identifier) implements ControlMessage {

    public EchoRequest {
        // 32-bit identifier: any bit pattern.
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.ECHO_REQUEST;
    }
}
