package org.homerouter.pptp.control;

import java.time.Duration;

/**
 * What a control connection says about itself and how patient it is.
 *
 * @param hostName          Host Name in SCCRQ/SCCRP (§2.1), at most 64 ASCII octets
 * @param vendor            Vendor String in SCCRQ/SCCRP
 * @param firmwareRevision  Firmware Revision in SCCRQ/SCCRP
 * @param echoInterval      idle time before we send an Echo-Request (RFC 2637 §2.5 suggests 60 s)
 * @param echoTimeout       how long after an unanswered Echo-Request we give the peer up
 * @param establishTimeout  how long a new TCP connection may take to complete SCCRQ/SCCRP: a
 *                          connection that never says anything must not hold a slot forever
 * @param stopTimeout       how long we wait for Stop-Control-Connection-Reply before closing anyway
 * @param receiveWindow     Packet Recv Window Size we announce in OCRQ/OCRP (§2.7)
 */
public record ControlSettings(String hostName, String vendor, int firmwareRevision,
                              Duration echoInterval, Duration echoTimeout,
                              Duration establishTimeout, Duration stopTimeout, int receiveWindow) {

    public ControlSettings {
        ControlMessage.Fields.text("hostName", hostName, ControlProtocol.NAME_FIELD_LENGTH);
        ControlMessage.Fields.text("vendor", vendor, ControlProtocol.NAME_FIELD_LENGTH);
        ControlMessage.Fields.u16("firmwareRevision", firmwareRevision);
        ControlMessage.Fields.u16("receiveWindow", receiveWindow);
        for (Duration d : new Duration[] {echoInterval, echoTimeout, establishTimeout, stopTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }
    }

    public static ControlSettings defaults(String hostName) {
        return new ControlSettings(hostName, "homerouter", 0x0100,
                Duration.ofSeconds(60), Duration.ofSeconds(60),
                Duration.ofSeconds(30), Duration.ofSeconds(5), 64);
    }

    public ControlSettings withEcho(Duration interval, Duration timeout) {
        return new ControlSettings(hostName, vendor, firmwareRevision, interval, timeout,
                establishTimeout, stopTimeout, receiveWindow);
    }

    public ControlSettings withEstablishTimeout(Duration timeout) {
        return new ControlSettings(hostName, vendor, firmwareRevision, echoInterval, echoTimeout,
                timeout, stopTimeout, receiveWindow);
    }
}
