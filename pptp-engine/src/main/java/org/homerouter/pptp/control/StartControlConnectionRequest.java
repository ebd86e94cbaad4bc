package org.homerouter.pptp.control;

import static org.homerouter.pptp.control.ControlMessage.Fields.*;

/** Start-Control-Connection-Request, RFC 2637 §2.1 (PNS or PAC to peer). */
public record StartControlConnectionRequest(int protocolVersion, int framingCapabilities, int bearerCapabilities, int maximumChannels, int firmwareRevision, String hostName, String vendorString) implements ControlMessage {

    public StartControlConnectionRequest {
        u16("protocolVersion", protocolVersion);
        u16("maximumChannels", maximumChannels);
        u16("firmwareRevision", firmwareRevision);
        text("hostName", hostName, ControlProtocol.NAME_FIELD_LENGTH);
        text("vendorString", vendorString, ControlProtocol.NAME_FIELD_LENGTH);
    }

    @Override
    public ControlMessageType type() {
        return ControlMessageType.START_CONTROL_CONNECTION_REQUEST;
    }
}
