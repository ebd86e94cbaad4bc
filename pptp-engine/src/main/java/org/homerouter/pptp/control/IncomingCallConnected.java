package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Incoming-Call-Connected, RFC 2637 §2.11 (PAC to PNS). Peer's Call ID is the PNS's. */
public record IncomingCallConnected(int peerCallId, int connectSpeed, int packetRecvWindowSize, int packetTransmitDelay, int framingType) implements ControlMessage {

    public IncomingCallConnected {
        u16("peerCallId", peerCallId);
        u16("packetRecvWindowSize", packetRecvWindowSize);
        u16("packetTransmitDelay", packetTransmitDelay);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.INCOMING_CALL_CONNECTED;
    }
}
