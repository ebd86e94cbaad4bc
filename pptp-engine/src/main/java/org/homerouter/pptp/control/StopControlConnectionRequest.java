package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Stop-Control-Connection-Request, RFC 2637 §2.3. */
public record StopControlConnectionRequest(int reason) implements ControlMessage {
    /** Reasons (§2.3). */
    public static final int REASON_NONE = 1;
    public static final int REASON_STOP_PROTOCOL = 2;
    public static final int REASON_STOP_LOCAL_SHUTDOWN = 3;

    public StopControlConnectionRequest {
        u8("reason", reason);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.STOP_CONTROL_CONNECTION_REQUEST;
    }
}
