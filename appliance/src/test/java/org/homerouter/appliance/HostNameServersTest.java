package org.homerouter.appliance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HostNameServersTest {
    @TempDir
    Path dir;

    /**
     * On the router image /etc/resolv.conf names only systemd-resolved's stub, 127.0.0.53, which a
     * VPN client cannot use; the servers it forwards to (the WAN's, from DHCP) are in its own file.
     */
    @Test
    void theUpstreamServersBehindSystemdResolvedAreWhatClientsGet() throws Exception {
        Path upstream = dir.resolve("resolved.conf");
        Path stub = dir.resolve("resolv.conf");
        Files.writeString(stub, "# This is /run/systemd/resolve/stub-resolv.conf\nnameserver 127.0.0.53\n"
                + "options edns0 trust-ad\nsearch .\n");
        HostNameServers servers = new HostNameServers(List.of(upstream, stub));
        assertEquals(List.of(), servers.get(), "no lease yet (the file is missing) and the stub is no use to a client");

        Files.writeString(upstream, "# This is /run/systemd/resolve/resolv.conf\nnameserver 203.0.113.53\n"
                + "nameserver 2001:db8::53\nnameserver 203.0.113.54\nnameserver 203.0.113.55\nsearch isp.example\n");
        assertEquals(List.of(InetAddress.getByName("203.0.113.53"), InetAddress.getByName("203.0.113.54")),
                servers.get(), "read again at the next session: the lease came after the start");
    }

    /**
     * A WAN whose DHCPv6 or router advertisements give IPv6 DNS servers only (an IPv6-only or
     * DS-Lite line): IPCP can offer a client IPv4 servers only (RFC 1877), and clients got none,
     * so Android's reached nothing by name. They get the router itself, whose resolver asks the
     * WAN's IPv6 servers for them as it does for the LAN; with IPv4 servers known, those as before.
     */
    @Test
    void aWanWithIpv6DnsServersOnlyGivesClientsTheRoutersOwnResolver() throws Exception {
        Path upstream = dir.resolve("resolved.conf");
        Path stub = dir.resolve("resolv.conf");
        Files.writeString(stub, "nameserver 127.0.0.53\noptions edns0 trust-ad\n");
        HostNameServers servers = new HostNameServers(List.of(upstream, stub));
        var lan = java.util.Optional.of((java.net.Inet4Address) InetAddress.getByName("192.168.1.1"));
        assertEquals(new HostNameServers.ForClients(List.of(), false), servers.forClients(() -> lan),
                "no server known yet: the router's resolver would have nobody to ask");

        Files.writeString(upstream, "# This is /run/systemd/resolve/resolv.conf\nnameserver 2001:db8::53\n"
                + "nameserver fe80::1%eth0\nsearch .\n");
        assertEquals(List.of(), servers.get(), "the router's own IPv4 servers: none");
        assertEquals(new HostNameServers.ForClients(List.of(lan.get()), true), servers.forClients(() -> lan),
                "the router itself, on its LAN address");
        assertEquals(new HostNameServers.ForClients(List.of(), true), servers.forClients(java.util.Optional::empty),
                "off the router image no resolver is known to listen where clients reach: none, and why");

        Files.writeString(upstream, "nameserver 2001:db8::53\nnameserver 203.0.113.53\n");
        assertEquals(new HostNameServers.ForClients(List.of((java.net.Inet4Address) InetAddress.getByName("203.0.113.53")),
                false), servers.forClients(() -> lan), "an IPv4 server of the WAN's, as before");
    }

    @Test
    void onlyAUsableIpv6ServerCounts() {
        assertEquals(false, HostNameServers.namesIpv6("nameserver ::1\nnameserver ::\n# nameserver 2001:db8::1\n"
                + "nameserver 0:0:0:0:0:0:0:1\nnameserver 192.0.2.53\nnameserver dns.example:53\n"));
        assertEquals(true, HostNameServers.namesIpv6("nameserver fe80::1%eth0\n"), "link-local, with its zone");
        assertEquals(true, HostNameServers.namesIpv6("  nameserver\t2001:db8::53  # the ISP's\n"));
    }

    @Test
    void aPlainResolvConfIsReadAndWhatNoClientCanUseIsSkipped() {
        assertEquals(List.of(), HostNameServers.parse("nameserver 127.0.0.1\nnameserver 0.0.0.0\nnameserver 300.1.1.1\n"
                + "; nameserver 192.0.2.1\nnameserver fe80::1%eth0\n"));
        assertEquals("[/192.0.2.53]", HostNameServers.parse("  nameserver\t192.0.2.53  # the box upstairs\n"
                + "nameserver 192.0.2.53\n").toString(), "tabs, trailing comments and repeats");
    }
}
