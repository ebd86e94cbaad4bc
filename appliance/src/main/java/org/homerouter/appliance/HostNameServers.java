package org.homerouter.appliance;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The DNS servers this router itself uses, which the VPN server offers its clients when the VPN
 * page names none. systemd-resolved's stub (127.0.0.53 in {@code /etc/resolv.conf}) answers only the
 * router's own programs, so its upstream servers are read from its own file first; loopback
 * addresses, which mean nothing to a client, are skipped. Read at each session's start: the
 * servers a WAN's DHCP lease brings may arrive after the service started, and may change.
 */
final class HostNameServers implements Supplier<List<Inet4Address>> {
    static final HostNameServers SYSTEM = new HostNameServers(
            List.of(Path.of("/run/systemd/resolve/resolv.conf"), Path.of("/etc/resolv.conf")));

    private final List<Path> files;

    HostNameServers(List<Path> files) {
        this.files = List.copyOf(files);
    }

    /** Up to two usable IPv4 servers, from the first file that names any; empty when none does. */
    @Override
    public List<Inet4Address> get() {
        for (Path f : files) {
            try {
                List<Inet4Address> servers = parse(Files.readString(f));
                if (!servers.isEmpty()) {
                    return servers;
                }
            } catch (IOException | RuntimeException e) {
                // Missing (no systemd-resolved) or unreadable: the next file.
            }
        }
        return List.of();
    }

    /** The usable IPv4 {@code nameserver} lines of a resolv.conf, at most two (IPCP offers two, RFC 1877). */
    static List<Inet4Address> parse(String resolvConf) {
        List<Inet4Address> out = new ArrayList<>(2);
        for (String line : resolvConf.split("\n")) {
            String[] words = line.trim().split("\\s+");
            if (words.length < 2 || !words[0].equals("nameserver") || !words[1].matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                continue; // comments, options, IPv6 servers (IPCP carries IPv4 only)
            }
            try {
                InetAddress a = InetAddress.getByName(words[1]);
                if (a instanceof Inet4Address v4 && !v4.isLoopbackAddress() && !v4.isAnyLocalAddress()
                        && !v4.isMulticastAddress() && !out.contains(v4)) {
                    out.add(v4);
                }
            } catch (UnknownHostException e) {
                // An octet above 255: not an address.
            }
            if (out.size() == 2) {
                break;
            }
        }
        return List.copyOf(out);
    }
}
