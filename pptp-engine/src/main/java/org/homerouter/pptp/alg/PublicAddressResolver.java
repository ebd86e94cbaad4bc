package org.homerouter.pptp.alg;

import java.net.Inet4Address;

/** Which address of the router a LAN client's traffic to {@code server} leaves from (masquerade's choice). */
@FunctionalInterface
public interface PublicAddressResolver {
    Inet4Address publicAddressFor(Inet4Address server);
}
