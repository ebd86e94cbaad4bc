package org.homerouter.webui.api;

import java.util.List;

/**
 * How this router stands on its internet (WAN) side, for the Dashboard's card: the owner's first
 * questions when clients outside cannot connect (has the router an internet address at all, can
 * the internet reach it there, is the VPN's port open there), which the VPN server's card answered
 * only in passing, and not at all while the server was off.
 *
 * @param addresses the WAN's IPv4 addresses, "203.0.113.7 on eth0" each (its IPv6 ones when it has
 *                  only those); empty while it has none
 * @param standing  what those addresses mean for reaching this router from the internet
 * @param vpnPort   whether the VPN server's port is open on that side
 * @param port      the VPN server's TCP port
 */
public record WanSide(List<String> addresses, Standing standing, VpnPort vpnPort, int port) {
    public WanSide {
        addresses = List.copyOf(addresses);
    }

    /** Judged by the best address: one public address among private ones is reached there. */
    public enum Standing {
        /** Reachable from the internet. */
        PUBLIC,
        /** Only private addresses (RFC 1918): another router stands in front. */
        PRIVATE,
        /** The provider's shared range (RFC 6598, carrier-grade NAT), no public one: unreachable from the internet. */
        SHARED,
        /**
         * IPv6 addresses only (DS-Lite, 464XLAT: the provider's IPv4 goes through its own gateway):
         * this router routes IPv4 alone, so neither the LAN nor VPN clients reach the internet through it.
         */
        IPV6_ONLY,
        /** No WAN address: no route to the internet now. */
        NONE
    }

    public enum VpnPort {
        /** The server listens there and the router's firewall admits its TCP port and GRE. */
        OPEN,
        /** The VPN server is switched off. */
        SERVER_OFF,
        /** Switched on but not running (its card says why). */
        NOT_RUNNING,
        /** It listens on another address only (a LAN address). */
        NOT_ON_WAN,
        /** The router's firewall could not be set to admit it (tried again every 30 s). */
        FIREWALL_NOT_SET,
        /** No router firewall of ours here (not the router image): this machine's own firewall decides. */
        HOST_FIREWALL
    }
}
