package org.homerouter.webui.api;

import java.util.List;

/**
 * The router's own VPN server and the inbound forward (TCP 1723 and GRE from outside to a LAN
 * server, on the Passthrough page) cannot both answer PPTP from outside: the forward's DNAT takes
 * every new connection to port 1723 and every new GRE flow that does not arrive on the LAN
 * server's side, so the server's clients from outside would reach the LAN server instead, and a
 * client connected now would lose its GRE once its flow went idle. A server that listens only on
 * the router's address in the LAN server's own network is reached from that LAN only, which the
 * forward leaves alone: the two can run together.
 */
public final class InboundForwardConflict {
    private InboundForwardConflict() {
    }

    /**
     * @param inboundServer the LAN server the forward goes to, "" for none
     * @param lans          the networks on the router's interfaces
     */
    public static boolean exists(VpnSettings vpn, String inboundServer, List<Subnet> lans) {
        if (!vpn.enabled() || inboundServer.isEmpty() || !Ipv4.valid(inboundServer) || !Ipv4.valid(vpn.listenAddress())) {
            return false;
        }
        int listen = Ipv4.parse(vpn.listenAddress());
        int forwarded = Ipv4.parse(inboundServer);
        boolean loopback = listen >>> 24 == 127;
        boolean lanOnly = listen != 0 && lans.stream().anyMatch(n -> n.contains(listen) && n.contains(forwarded));
        return !loopback && !lanOnly;
    }

    /** One sentence, for the Passthrough page. */
    public static String forForward() {
        return "The router's own VPN server is on and answers PPTP from outside: a forward would take its clients."
                + " Switch the server off on the VPN server page first, or make it listen only on its address in the"
                + " forwarded server's LAN.";
    }

    /** One sentence, for the VPN server page and the dashboard. */
    public static String forServer(String inboundServer) {
        return "Incoming PPTP from outside is forwarded to " + inboundServer + " (PPTP passthrough page), so this"
                + " server cannot answer it: remove that forward first, or listen only on this router's address in "
                + inboundServer + "'s LAN.";
    }
}
