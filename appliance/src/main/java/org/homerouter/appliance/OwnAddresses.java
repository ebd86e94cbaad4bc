package org.homerouter.appliance;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether an IPv4 address is this host's own, asked of the kernel: a UDP socket may bind to an
 * address only if the kernel's routing takes it for a local one (EADDRNOTAVAIL otherwise), which
 * is every address on the host's interfaces, secondary ones included, up or down.
 *
 * <p>{@code NetworkInterface.getByInetAddress} answers the same but lists every interface to do
 * so (three system calls each, and a search of the list for each one added): 7-9 ms with 1,000
 * tunnel devices, asked at every call the VPN server takes. A bind takes 20-40 µs whatever their
 * number. Where {@code net.ipv4.ip_nonlocal_bind} lets a socket bind to any address (set for an
 * HA address that moves between hosts), the bind proves nothing, and the interface list answers.
 * (A connected socket's chosen source would not do: a secondary address's local route names the
 * primary as its source.)
 */
final class OwnAddresses {
    private static final Path NONLOCAL_BIND = Path.of("/proc/sys/net/ipv4/ip_nonlocal_bind");

    private OwnAddresses() {
    }

    /** Whether {@code address} is on one of this host's interfaces (of the caller's network namespace). */
    static boolean isOwn(Inet4Address address) {
        if (!bindProvesIt()) {
            return listed(address);
        }
        try (DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET)) {
            channel.bind(new InetSocketAddress(address, 0));
            return true;
        } catch (BindException notLocal) {
            return false;
        } catch (IOException e) {
            return listed(address); // no socket to be had: the slow way
        }
    }

    /** This host's IPv4 addresses now, on every interface (of the caller's namespace); none when they cannot be listed. */
    static java.util.Set<Inet4Address> all() {
        java.util.Set<Inet4Address> out = new java.util.HashSet<>();
        try {
            for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address v4) {
                        out.add(v4);
                    }
                }
            }
        } catch (IOException e) {
            // none known: every address of the range counts as another's
        }
        return out;
    }

    private static boolean bindProvesIt() {
        try {
            return Files.readString(NONLOCAL_BIND).strip().equals("0");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean listed(Inet4Address address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (IOException e) {
            return false;
        }
    }
}
