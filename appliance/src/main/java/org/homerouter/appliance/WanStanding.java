package org.homerouter.appliance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.Subnet;
import org.homerouter.webui.api.WanSide;

/**
 * The Dashboard's Internet (WAN) card from what the router already knows: its WAN networks
 * ({@link RouterNetworks#wans}), where the VPN server listens, and whether its firewall admits it
 * ({@link org.homerouter.bridge.firewall.WanAdmission}). Addresses are judged as {@link WanWatch}
 * judges a change: a public one counts first, the provider's shared range (RFC 6598) only without one.
 */
final class WanStanding {
    private WanStanding() {
    }

    /**
     * @param wans            the WAN's networks, each with the router's own address ({@link Subnet#network()})
     * @param enabled         whether the VPN server is switched on
     * @param listening       where it listens, or null while it does not run
     * @param routerFirewall  whether the router image's base firewall (its WAN chain) is here
     * @param firewallFailing whether setting that firewall for PPTP failed and is being tried again
     * @param ipv6            the WAN's global IPv6 addresses ({@link Ipv6Wan}), which tell an IPv6-only
     *                        WAN from none while it has no IPv4 address
     */
    static WanSide of(List<Subnet> wans, boolean enabled, int port, InetSocketAddress listening,
            boolean routerFirewall, boolean firewallFailing, List<String> ipv6) {
        List<Inet4Address> own = wans.stream().map(n -> (Inet4Address) InetAddress.ofLiteral(Ipv4.format(n.network())))
                .toList();
        // A server bound to one of them is reached there alone: its standing is that address's, and
        // it comes first (the card's advice names the first). Judged by all of them, a public one
        // beside the private one it listened on said "reachable" while every call failed.
        InetAddress bound = listening == null || listening.getAddress().isAnyLocalAddress() ? null : listening.getAddress();
        List<Inet4Address> judged = bound != null && own.contains(bound) ? List.of((Inet4Address) bound) : own;
        List<String> addresses = wans.stream().sorted(java.util.Comparator.comparing(
                        (Subnet n) -> !judged.contains(InetAddress.ofLiteral(Ipv4.format(n.network())))))
                .map(n -> Ipv4.format(n.network()) + " on " + n.interfaceName()).distinct().toList();
        if (judged.isEmpty() && !ipv6.isEmpty()) {
            addresses = ipv6;
        }
        WanSide.Standing standing = judged.isEmpty() ? (ipv6.isEmpty() ? WanSide.Standing.NONE : WanSide.Standing.IPV6_ONLY)
                : judged.stream().anyMatch(InternetReach::fromTheInternet) ? WanSide.Standing.PUBLIC
                : judged.stream().anyMatch(ClientReach::sharedAddressSpace) ? WanSide.Standing.SHARED
                : WanSide.Standing.PRIVATE;
        WanSide.VpnPort vpnPort;
        if (!enabled) {
            vpnPort = WanSide.VpnPort.SERVER_OFF;
        } else if (listening == null) {
            vpnPort = WanSide.VpnPort.NOT_RUNNING;
        } else if (!listening.getAddress().isAnyLocalAddress() && !own.contains(listening.getAddress())) {
            vpnPort = WanSide.VpnPort.NOT_ON_WAN;
        } else if (!routerFirewall) {
            vpnPort = WanSide.VpnPort.HOST_FIREWALL;
        } else if (firewallFailing) {
            vpnPort = WanSide.VpnPort.FIREWALL_NOT_SET;
        } else {
            vpnPort = WanSide.VpnPort.OPEN;
        }
        return new WanSide(addresses, standing, vpnPort, listening != null ? listening.getPort() : port);
    }
}
