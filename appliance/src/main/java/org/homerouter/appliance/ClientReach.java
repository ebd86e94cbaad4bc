package org.homerouter.appliance;

import java.net.Inet4Address;
import java.util.Optional;
import org.homerouter.pptp.control.ControlProtocol;

/**
 * Where a client dials this router's VPN server, and what stands in the way, in one or two
 * sentences for the dashboard: the first question of an owner setting up a client, and the usual
 * reasons the first attempt from outside fails (another router in front, carrier-grade NAT, a
 * port Windows' built-in client cannot use).
 */
final class ClientReach {
    private ClientReach() {
    }

    /**
     * @param listen       the address the server listens on (0.0.0.0: every interface)
     * @param port         its TCP port
     * @param internetSide the source address of this router's route to the internet, empty without one
     */
    static String describe(Inet4Address listen, int port, Optional<Inet4Address> internetSide) {
        String portNote = port == ControlProtocol.TCP_PORT ? ""
                : " Clients must dial TCP port " + port + ", which Windows' built-in client cannot: it always uses "
                + ControlProtocol.TCP_PORT + ".";
        if (listen.isLoopbackAddress()) {
            return "The server listens on " + listen.getHostAddress() + ", on this machine only: no other machine can"
                    + " connect. Change the listen address on the VPN server page." + portNote;
        }
        if (!listen.isAnyLocalAddress() && internetSide.isPresent() && !internetSide.get().equals(listen)) {
            // "Clients dial 192.168.1.1" sent the owner to set up a laptop on the road with the LAN's address.
            String at = listen.getHostAddress();
            return "The server listens on " + at + " only, not on this router's internet address "
                    + internetSide.get().getHostAddress() + ": clients on the internet cannot connect, only those that"
                    + " reach " + at + " (on the LAN, say). To take calls from the internet, set the listen address to"
                    + " 0.0.0.0 (every address) on the VPN server page." + portNote;
        }
        if (!listen.isAnyLocalAddress() && internetSide.isEmpty()) {
            return "Clients dial " + listen.getHostAddress() + ", the one address the server listens on." + portNote;
        }
        if (internetSide.isEmpty()) {
            return "This router has no route to the internet now: only clients on its own networks can connect, to"
                    + " its address there." + portNote;
        }
        Inet4Address a = internetSide.get();
        String address = a.getHostAddress();
        if (sharedAddressSpace(a)) {
            return "This router's internet address " + address + " is in the range providers share among customers"
                    + " (100.64.0.0/10, carrier-grade NAT): clients on the internet cannot reach it. Ask the provider"
                    + " for a public IPv4 address; clients on the LAN can connect meanwhile." + portNote;
        }
        if (a.isSiteLocalAddress()) {
            return "This router's address towards the internet, " + address + ", is private: another router stands"
                    + " in front of it. Clients on the internet can connect only once that router forwards TCP port "
                    + port + " and GRE (IP protocol 47) to " + address + " (its port forwarding, or its \"DMZ host\":"
                    // Many consumer routers forward TCP and UDP only; and forwarding cannot help a router that
                    // has no public IPv4 itself (DS-Lite, or carrier-grade NAT in a private range).
                    + " many forward only TCP and UDP, and its DMZ host passes GRE too). If that router's own internet"
                    + " address is private or 100.64.x (carrier-grade NAT, DS-Lite), forwarding cannot help: ask the"
                    + " provider for a public IPv4 address. Clients then dial that router's internet address"
                    // Which this router cannot see: the front router's status page shows it.
                    + " (its status page shows it, or a \"what is my IP\" site opened from the LAN), not "
                    + address + "." + portNote;
        }
        return "Clients dial " + address + ", this router's internet address (if the provider changes it from time"
                + " to time, give clients a dynamic-DNS name instead, with an IPv4 (A) record: PPTP runs over IPv4"
                + " only)." + portNote;
    }

    /** 100.64.0.0/10, the range providers share among customers behind carrier-grade NAT (RFC 6598). */
    static boolean sharedAddressSpace(Inet4Address a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xFF) == 100 && (b[1] & 0xC0) == 0x40;
    }
}
