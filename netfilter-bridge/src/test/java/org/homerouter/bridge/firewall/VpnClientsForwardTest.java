package org.homerouter.bridge.firewall;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * The router image's forward chain between a VPN server's session device ({@code pptp*}) and the
 * site-to-site dial-out's ({@code ppp*}), veth pairs named like them here: a VPN client's address
 * (in the set {@link WanAdmission#vpnClients} fills) crosses, masqueraded as the router; a branch
 * office's LAN, which arrives on the same kind of device, does not.
 *
 * <pre>
 *  sess 192.168.250.11, 10.2.0.5 --pptp9-- [router] --ppp9-- 10.30.0.2 office
 * </pre>
 */
@Tag("root")
class VpnClientsForwardTest {
    @TempDir
    Path dir;

    private Netns router;
    private Netns session;
    private Netns office;

    @BeforeEach
    void namespaces() throws Exception {
        router = Netns.create("vcr");
        session = Netns.create("vcs");
        office = Netns.create("vco");
        Netns.linkVeth(session, "veth0", "192.168.250.11/24", router, "pptp9", "192.168.250.1/24");
        Netns.linkVeth(router, "ppp9", "10.30.0.1/24", office, "veth0", "10.30.0.2/24");
        session.ip("addr", "add", "10.2.0.5/24", "dev", "veth0"); // the branch office's LAN behind that session
        session.ip("route", "add", "10.30.0.0/24", "via", "192.168.250.1");
        router.ip("route", "add", "10.2.0.0/24", "via", "192.168.250.11");
        // The office answers only what comes from the router's own tunnel address (it routes nothing else back).
        office.ip("route", "add", "10.2.0.0/24", "via", "10.30.0.1");
        office.ip("route", "add", "192.168.250.0/24", "via", "10.30.0.1");
        assertTrue(router.exec(Duration.ofSeconds(10), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1").succeeded());
        Path conf = dir.resolve("nftables.conf");
        Files.copy(Path.of("..", "image", "overlay", "etc", "nftables.conf"), conf);
        CommandResult loaded = router.exec(Duration.ofSeconds(10), "nft", "-f", conf.toString());
        assertTrue(loaded.succeeded(), loaded.toString());
        // What reaches the office, by source address.
        CommandResult counting = office.exec(Duration.ofSeconds(10), "nft", "add table ip seen; add chain ip seen in "
                + "{ type filter hook input priority 0; }; add rule ip seen in icmp type echo-request ip saddr 10.30.0.1"
                + " counter; add rule ip seen in icmp type echo-request counter");
        assertTrue(counting.succeeded(), counting.toString());
    }

    @AfterEach
    void deleteNamespaces() throws Exception {
        Netns.closeAll(session, office, router);
    }

    @Test
    void aVpnClientCrossesMasqueradedAndABranchOfficesLanDoesNot() throws Exception {
        try (WanAdmission wan = WanAdmission.find(router.name())) {
            wan.vpnClients("192.168.250.0/24");
            CommandResult client = session.exec(Duration.ofSeconds(10), "ping", "-c", "2", "-W", "1", "-I", "192.168.250.11",
                    "10.30.0.2");
            assertTrue(client.succeeded(), "the VPN client reaches the office: " + client + seen());
            assertTrue(seen().contains("ip saddr 10.30.0.1 counter packets 2 "), "as the router: " + seen());

            CommandResult branch = session.exec(Duration.ofSeconds(10), "ping", "-c", "2", "-W", "1", "-I", "10.2.0.5",
                    "10.30.0.2");
            assertFalse(branch.succeeded(), "a branch office's LAN reaches the office: " + branch);
            assertTrue(seen().contains("counter packets 2 "), "nothing more arrived at all: " + seen());
            assertFalse(seen().contains("counter packets 4 "), seen());

            wan.vpnClients(null); // the VPN server switched off: its addresses are nobody's
            assertFalse(session.exec(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "1", "-I", "192.168.250.11",
                    "10.30.0.2").succeeded());
        }
    }

    private String seen() throws Exception {
        return office.exec(Duration.ofSeconds(10), "nft", "list", "table", "ip", "seen").output();
    }
}
