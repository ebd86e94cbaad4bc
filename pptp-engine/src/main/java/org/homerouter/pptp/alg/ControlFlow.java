package org.homerouter.pptp.alg;

import java.net.Inet4Address;

/**
 * One PPTP control connection as the router's forward path sees it: the LAN client's own
 * (pre-NAT) address and port, and the outside server's.
 */
public record ControlFlow(Inet4Address client, int clientPort, Inet4Address server, int serverPort) {
    @Override
    public String toString() {
        return client.getHostAddress() + ":" + clientPort + "->" + server.getHostAddress() + ":" + serverPort;
    }
}
