package org.homerouter.webui.api;

import java.util.List;

/** The VPN server's stored settings, and applying them to the running server. */
public interface VpnConfig {
    VpnSettings vpn();

    /**
     * Stores the settings (one transaction, logged) and applies them to the running server at once.
     * Connected sessions whose login method or encryption they no longer allow are ended.
     *
     * @return how many connected sessions were ended for that
     * @throws IllegalArgumentException when the server cannot run with them (e.g. the port is in
     *                                  use); the previous settings are then back in force
     */
    int apply(VpnSettings settings, String event);

    /**
     * Whether applying {@code to} over {@code from} restarts the server's listener, which
     * disconnects every client (the page asks first while clients are connected). Judged against
     * what the server runs with where that is known: a change stored by other means (an import on
     * the command line) and not applied yet takes effect with this save, and its restart too.
     */
    boolean restartsServer(VpnSettings from, VpnSettings to);

    /** The networks on this router's interfaces: the pool must not overlap them. */
    List<Subnet> lanNetworks();

    /**
     * The networks this router routes into tunnels (branch offices', the site-to-site tunnel's),
     * labelled as {@link RoutedSubnets#routed} does: the tunnel network must not overlap them either.
     */
    List<Subnet> routedNetworks();

    /** The DNS servers this router uses, which clients get when the page names none (empty: none known). */
    default List<String> hostNameServers() {
        return List.of();
    }

    /**
     * Whether this router's own DNS servers (the WAN's) are IPv6 only, which PPTP cannot give a
     * client (IPCP carries IPv4 servers, RFC 1877): {@link #hostNameServers()} then names this
     * router itself, whose resolver asks them, or is empty where clients reach no resolver of its.
     */
    default boolean hostNameServersIpv6Only() {
        return false;
    }

    boolean passthroughEnabled();

    /** The PPTP server inside the LAN that TCP 1723 and GRE from outside are forwarded to; "" for none. */
    String inboundServer();

    /** Stores the passthrough switch and the inbound server in one transaction and applies both at once. */
    void setPassthrough(boolean enabled, String inboundServer, String event);
}
