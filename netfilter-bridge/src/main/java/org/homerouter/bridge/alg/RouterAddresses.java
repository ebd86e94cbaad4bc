package org.homerouter.bridge.alg;

import org.homerouter.bridge.netns.NetworkNamespace;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.HashSet;
import java.util.Set;

/**
 * The IPv4 addresses the router holds now, on any of its interfaces: a passthrough call whose
 * control connection was NATed to an address not among them is over ({@link AddressesGone}).
 * Read with the JDK's interface list (a netlink or ioctl socket of the calling thread's namespace):
 * no process, every few seconds while calls are tracked.
 */
final class RouterAddresses {
    private final String netns;

    /** @param netns the router's namespace (tests), or null for our own */
    RouterAddresses(String netns) {
        this.netns = netns;
    }

    Set<Inet4Address> held() throws IOException {
        if (netns == null) {
            return list();
        }
        try (NetworkNamespace.Scope in = NetworkNamespace.enter(netns)) {
            return list();
        }
    }

    private static Set<Inet4Address> list() throws IOException {
        Set<Inet4Address> out = new HashSet<>();
        var interfaces = NetworkInterface.getNetworkInterfaces();
        while (interfaces != null && interfaces.hasMoreElements()) {
            for (var addresses = interfaces.nextElement().getInetAddresses(); addresses.hasMoreElements(); ) {
                InetAddress a = addresses.nextElement();
                if (a instanceof Inet4Address v4) {
                    out.add(v4);
                }
            }
        }
        return out;
    }
}
