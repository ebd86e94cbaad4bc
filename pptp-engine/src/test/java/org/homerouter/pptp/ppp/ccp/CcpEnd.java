package org.homerouter.pptp.ppp.ccp;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.AutomatonSettings;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;

/** Our {@link Ccp} as one end of a {@link CcpTestLink}, with its listener. */
final class CcpEnd implements CcpTestLink.End {
    final RecordingCcpListener events = new RecordingCcpListener();
    final Ccp ccp;

    CcpEnd(MppePolicy policy, Clock clock, ControlPacketSender sender) {
        this("", policy, clock, sender);
    }

    /** @param session the session's name its CCP logs under, "" for none */
    CcpEnd(String session, MppePolicy policy, Clock clock, ControlPacketSender sender) {
        this.ccp = new Ccp(session, policy, AutomatonSettings.DEFAULTS, clock, sender, events);
    }

    @Override
    public void start() {
        ccp.lowerLayerUp();
        ccp.open();
    }

    @Override
    public void receive(ControlPacket packet) {
        ccp.receive(packet);
    }

    @Override
    public void poll() {
        ccp.poll();
    }
}
