package org.homerouter.bridge.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fills the router image's own wan_pptp chain (its nftables.conf, loaded in a namespace of its own). */
@Tag("root")
class WanAdmissionTest {
    @TempDir
    Path dir;

    private Netns ns;

    private String sh(String... command) throws Exception {
        CommandResult r = ns.exec(Duration.ofSeconds(10), command);
        return (r.succeeded() ? "0:" : "1:") + r.output();
    }

    private String chain() throws Exception {
        return listed("nft", "list", "chain", "inet", "homerouter", "wan_pptp");
    }

    private String vpnClients() throws Exception {
        return listed("nft", "list", "set", "inet", "homerouter", "vpn_clients");
    }

    /**
     * What an nft listing prints. It must succeed: a failed one (the chain or set gone) contains
     * nothing, and "nothing is admitted any more" passed on it whatever the kernel still admitted.
     */
    private String listed(String... command) throws Exception {
        CommandResult r = ns.exec(Duration.ofSeconds(10), command);
        assertTrue(r.succeeded(), r.toString());
        return r.output();
    }

    @BeforeEach
    void createNamespace() throws Exception {
        ns = Netns.create("hrwan");
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        ns.close();
    }

    @Test
    void theChainFollowsTheServersPortAndTheDialOutAndIsEmptiedAtTheEnd() throws Exception {
        Path conf = dir.resolve("nftables.conf");
        Files.copy(Path.of("..", "image", "overlay", "etc", "nftables.conf"), conf);
        String loaded = sh("nft", "-f", conf.toString());
        assertTrue(loaded.startsWith("0:"), loaded);
        // A killed run's rule is still there: the first admission replaces it.
        sh("nft", "add", "rule", "inet", "homerouter", "wan_pptp", "tcp", "dport", "1723", "accept");
        Inet4Address server = (Inet4Address) InetAddress.getByName("203.0.113.7");

        try (WanAdmission wan = WanAdmission.find(ns.name())) {
            assertTrue(wan.present());
            wan.admit(new java.net.InetSocketAddress(1724), null); // the VPN page moved the port
            String c = chain();
            assertTrue(c.contains("tcp dport 1724 accept") && c.contains("meta l4proto gre accept"), c);
            assertFalse(c.contains("1723"), "the old port is closed: " + c);

            wan.admit(null, server); // server off, site-to-site on
            c = chain();
            assertTrue(c.contains("ip saddr 203.0.113.7 meta l4proto gre accept"), c);
            assertFalse(c.contains("tcp dport"), c);
            assertEquals(1, c.split("accept", -1).length - 1, "only the dial-out's server's GRE: " + c);

            wan.admit(null, null);
            assertFalse(chain().contains("accept"), chain());
            wan.admit(new java.net.InetSocketAddress(InetAddress.getByName("192.168.1.1"), 1723), server);
            c = chain();
            assertTrue(c.contains("ip daddr 192.168.1.1 tcp dport 1723 accept"), "only to the address it listens on: " + c);
            // The dial-out's server sends its GRE to the WAN's address, which the server's rules
            // no longer cover: it is admitted on its own, or every call ends "no GRE arrived".
            assertTrue(c.contains("ip saddr 203.0.113.7 meta l4proto gre accept"), "the dial-out's GRE too: " + c);

            // The VPN server's clients, whom the forward chain lets into the site-to-site tunnel.
            wan.vpnClients("192.168.250.0/24");
            assertTrue(vpnClients().contains("elements = { 192.168.250.0/24 }"), vpnClients());
            wan.vpnClients("10.9.0.0/24"); // the VPN page moved the tunnel network
            assertTrue(vpnClients().contains("elements = { 10.9.0.0/24 }"), vpnClients());
            wan.vpnClients(null); // the server switched off
            assertFalse(vpnClients().contains("elements"), vpnClients());
            wan.vpnClients("192.168.250.0/24");
        }
        assertFalse(chain().contains("accept"), "emptied when the service stops: " + chain());
        assertFalse(vpnClients().contains("elements"), "no VPN client named when the service stops: " + vpnClients());
    }

    /**
     * A server on every address is admitted from the WAN over IPv4 only: the internet host's SYN
     * to port 1723 is answered over IPv4 (a reset: nothing listens here) and dropped over IPv6, as
     * every other port is. The chain is in an inet table, where a bare port rule admits both.
     */
    @Test
    void theServersPortIsOpenFromTheWanOverIpv4Only() throws Exception {
        Path conf = dir.resolve("nftables.conf");
        Files.copy(Path.of("..", "image", "overlay", "etc", "nftables.conf"), conf);
        assertTrue(sh("nft", "-f", conf.toString()).startsWith("0:"));
        try (Netns internet = Netns.create("hrwani")) {
            Netns.linkVeth(internet, "veth0", "198.51.100.2/24", ns, "eth0", "198.51.100.1/24");
            internet.exec(Duration.ofSeconds(5), "ip", "-6", "addr", "add", "2001:db8:1::2/64", "dev", "veth0", "nodad");
            sh("ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "eth0", "nodad");
            try (WanAdmission wan = WanAdmission.find(ns.name())) {
                wan.admit(new java.net.InetSocketAddress(1723), null);
                assertEquals("refused", connect(internet, "198.51.100.1"), "admitted over IPv4: " + chain());
                assertEquals("timed out", connect(internet, "2001:db8:1::1"), "dropped over IPv6: " + chain());
            }
        }
    }

    /** A TCP connection to port 1723 from {@code from}, as it ends: refused, timed out, or connected. */
    private static String connect(Netns from, String to) throws Exception {
        CommandResult r = from.exec(Duration.ofSeconds(10), "python3", "-c", """
                import socket, sys
                try:
                    socket.create_connection((sys.argv[1], 1723), timeout=2)
                    print("connected")
                except ConnectionRefusedError:
                    print("refused")
                except (socket.timeout, TimeoutError):
                    print("timed out")
                """, to);
        return r.output().strip();
    }

    @Test
    void withoutTheImagesFirewallNothingIsTouched() throws Exception {
        try (WanAdmission wan = WanAdmission.find(ns.name())) {
            assertFalse(wan.present());
            wan.admit(new java.net.InetSocketAddress(1723), null);
        }
        assertEquals("0:", sh("nft", "list", "ruleset").strip());
    }
}
