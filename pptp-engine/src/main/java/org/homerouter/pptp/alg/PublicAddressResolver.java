package org.homerouter.pptp.alg;

import java.net.Inet4Address;

/**
 * The router's address that a LAN client's control connection leaves from: the address its NAT gave
 * {@code flow}. The call's GRE must leave from the same one: a server takes GRE from another address
 * for another host's (pptpd's GRE socket is connected to the control connection's peer).
 */
@FunctionalInterface
public interface PublicAddressResolver {
    Inet4Address publicAddressFor(ControlFlow flow);
}
