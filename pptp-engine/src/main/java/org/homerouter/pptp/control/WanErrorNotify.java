package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** WAN-Error-Notify, RFC 2637 §2.14 (PAC to PNS). Peer's Call ID is the PNS's. */
public record WanErrorNotify(int peerCallId, int crcErrors, int framingErrors, int hardwareOverruns, int bufferOverruns, int timeoutErrors, int alignmentErrors) implements ControlMessage {

    public WanErrorNotify {
        u16("peerCallId", peerCallId);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.WAN_ERROR_NOTIFY;
    }
}
