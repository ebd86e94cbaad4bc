package org.homerouter.pptp.ppp.ipcp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Conversions between option Data and IPv4 addresses, for the IPCP option handlers. */
final class Ipv4Octets {
    private Ipv4Octets() {
    }

    static final Inet4Address UNSPECIFIED = of(new byte[4]);

    static Inet4Address of(byte[] data) {
        try {
            return (Inet4Address) InetAddress.getByAddress(data);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv4 address: " + data.length + " octets", e);
        }
    }

    static boolean isUnspecified(Inet4Address a) {
        return a.equals(UNSPECIFIED);
    }
}
