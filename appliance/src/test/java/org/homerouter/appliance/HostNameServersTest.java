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

    @Test
    void aPlainResolvConfIsReadAndWhatNoClientCanUseIsSkipped() {
        assertEquals(List.of(), HostNameServers.parse("nameserver 127.0.0.1\nnameserver 0.0.0.0\nnameserver 300.1.1.1\n"
                + "; nameserver 192.0.2.1\nnameserver fe80::1%eth0\n"));
        assertEquals("[/192.0.2.53]", HostNameServers.parse("  nameserver\t192.0.2.53  # the box upstairs\n"
                + "nameserver 192.0.2.53\n").toString(), "tabs, trailing comments and repeats");
    }
}
