package org.homerouter.pptp.tunnel;

import java.net.InetAddress;

/**
 * How to set up one session's device: a point-to-point link from {@code localAddress} (the
 * router's end) to {@code peerAddress} (the address IPCP gave the client), with the tunnel MTU.
 *
 * @param nameHint e.g. "pptp" (the device picks a free "pptpN")
 */
public record TunnelConfig(String nameHint, InetAddress localAddress, InetAddress peerAddress, int mtu) {
    public TunnelConfig {
        if (mtu < 576 || mtu > 65535) {
            throw new IllegalArgumentException("MTU out of range 576..65535: " + mtu);
        }
    }
}
