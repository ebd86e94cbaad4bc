package org.homerouter.pptp.session;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.ControlPacketSender;

/** Builds a session's CCP once the Network phase begins. */
@FunctionalInterface
public interface EncryptionControlFactory {
    EncryptionControl create(SessionRole role, MppePolicy policy, Clock clock, ControlPacketSender sender,
                             EncryptionControl.Events events);
}
