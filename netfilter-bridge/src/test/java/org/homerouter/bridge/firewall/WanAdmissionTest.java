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
        return sh("nft", "list", "chain", "inet", "homerouter", "wan_pptp");
    }

    private String vpnClients() throws Exception {
        return sh("nft", "list", "set", "inet", "homerouter", "vpn_clients");
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

    @Test
    void withoutTheImagesFirewallNothingIsTouched() throws Exception {
        try (WanAdmission wan = WanAdmission.find(ns.name())) {
            assertFalse(wan.present());
            wan.admit(new java.net.InetSocketAddress(1723), null);
        }
        assertEquals("0:", sh("nft", "list", "ruleset").strip());
    }
}
