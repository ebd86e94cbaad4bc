package org.homerouter.appliance;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    /**
     * What VPN clients get when the VPN page names no DNS server.
     *
     * @param servers at most two IPv4 addresses, none when there is nothing to give
     * @param wanIpv6Only the router's own servers (the WAN's) are all IPv6, which IPCP cannot give
     *     a client: {@code servers} is then this router's own resolver, or none where it has none
     */
    record ForClients(List<Inet4Address> servers, boolean wanIpv6Only) {
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

    /**
     * The servers VPN clients get when the VPN page names none: the router's own IPv4 ones. A WAN
     * may give IPv6 servers only (an IPv6-only or DS-Lite line), and IPCP's DNS options carry an
     * IPv4 address (RFC 1877 §1.1): then the router itself, at {@code ownResolver}, which asks those
     * servers for its clients as it does for the LAN's; none where it has no resolver a client
     * reaches, and nothing at all while no server is known (it would have nobody to ask).
     */
    ForClients forClients(Supplier<Optional<Inet4Address>> ownResolver) {
        List<Inet4Address> v4 = get();
        if (!v4.isEmpty() || !namesIpv6()) {
            return new ForClients(v4, false);
        }
        return new ForClients(ownResolver.get().map(List::of).orElse(List.of()), true);
    }

    /** Whether a file names a usable IPv6 server (not loopback or unspecified). */
    private boolean namesIpv6() {
        for (Path f : files) {
            try {
                if (namesIpv6(Files.readString(f))) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // Missing or unreadable: the next file.
            }
        }
        return false;
    }

    static boolean namesIpv6(String resolvConf) {
        for (String line : resolvConf.split("\n")) {
            String[] words = line.trim().split("\\s+");
            // The zone of a link-local server (fe80::1%eth0) is the router's business, not the question.
            String literal = words.length < 2 ? "" : words[1].replaceFirst("%.*", "");
            if (!words[0].equals("nameserver") || !literal.contains(":") || !literal.matches("[0-9A-Fa-f:.]+")) {
                continue; // comments, options, IPv4 servers; nothing that could make getByName look a name up
            }
            try {
                InetAddress a = InetAddress.getByName(literal);
                if (a instanceof Inet6Address && !a.isLoopbackAddress() && !a.isAnyLocalAddress()) {
                    return true;
                }
            } catch (UnknownHostException e) {
                // Not an address.
            }
        }
        return false;
    }

    /**
     * The resolver a VPN client reaches on the router image: systemd-resolved's stub listens on the
     * LAN port's address ({@code DNSStubListenerExtra}, image/overlay/usr/lib/systemd/resolved.conf.d,
     * written at boot from the same line as that address) as the LAN's DNS server, and VPN clients
     * reach the router as the LAN does (the base firewall's input chain). Off the image nothing
     * says a resolver listens anywhere a client reaches: none.
     */
    static Optional<Inet4Address> lanResolverOnImage() {
        if (!ApplianceLan.onImage()) {
            return Optional.empty();
        }
        try {
            NetworkInterface lan = NetworkInterface.getByName(ApplianceLan.IMAGE_LAN_INTERFACE);
            return lan == null ? Optional.empty() : lan.inetAddresses().filter(a -> a instanceof Inet4Address)
                    .map(a -> (Inet4Address) a).findFirst();
        } catch (SocketException e) {
            return Optional.empty();
        }
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
