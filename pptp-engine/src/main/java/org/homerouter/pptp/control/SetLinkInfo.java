package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Set-Link-Info, RFC 2637 §2.15 (PNS to PAC). Peer's Call ID is the PAC's. */
public record SetLinkInfo(int peerCallId, int sendAccm, int receiveAccm) implements ControlMessage {

    public SetLinkInfo {
        u16("peerCallId", peerCallId);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.SET_LINK_INFO;
    }
}
