package org.homerouter.bridge.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Applies the server's rule set inside a namespace of its own and reads it back from the kernel. */
@Tag("root")
class ServerFirewallTest {
    private final String ns = "hrfw" + ProcessHandle.current().pid();

    private static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return p.exitValue() + ":" + out;
    }

    @BeforeEach
    void createNamespace() throws Exception {
        assertTrue(sh("ip", "netns", "add", ns).startsWith("0:"));
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        sh("ip", "netns", "del", ns);
    }

    @Test
    void rulesAreInstalledAtomicallyReplacedAndRemoved() throws Exception {
        try (ServerFirewall fw = new ServerFirewall("pptp*", ns)) {
            fw.apply();
            fw.apply(); // a second apply (restart after a crash) replaces, never duplicates
            String table = sh("ip", "netns", "exec", ns, "nft", "list", "table", "inet", ServerFirewall.TABLE);
            assertTrue(table.startsWith("0:"), table);
            assertEquals(1, table.split("sessions never reach each other", -1).length - 1, table);
            assertEquals(2, table.split("maxseg size set rt mtu", -1).length - 1, table);
            assertEquals(1, table.split("a session sends only from its own addresses", -1).length - 1, table);
            int half = Integer.parseInt(java.nio.file.Files.readAllLines(ServerFirewall.CONNTRACK_MAX).getFirst().trim()) / 2;
            assertTrue(table.contains("iif ct count over 2048 }") && table.contains("ct count over " + half + " "),
                    "each session's share, and half the kernel's table (" + half + ") for all of them: " + table);
            assertTrue(table.contains("iif @branch_devices add @branch_connections { iif ct count over "
                    + Math.max(2048, Math.min(ServerFirewall.DEFAULT_BRANCH_SHARE, half / 2)) + " }"),
                    "a branch office's share, at most half of all sessions' part: " + table);
            assertEquals(2, table.split(java.util.regex.Pattern.quote("add @over_share_log { iif limit rate 6/minute burst 1 packets }"), -1).length - 1,
                    "the over-share lines limited per device: " + table);
            assertEquals("0:1\n", sh("ip", "netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward"));
        }
        String after = sh("ip", "netns", "exec", ns, "nft", "list", "tables");
        assertFalse(after.contains(ServerFirewall.TABLE), after);
    }

    /** The dial-out's ppp* device: LAN TCP through it is clamped too, but it is no dial-in session to isolate. */
    @Test
    void theDialOutDeviceIsClampedButNotIsolated() throws Exception {
        try (ServerFirewall fw = new ServerFirewall("pptp*", java.util.List.of("ppp*"), ns)) {
            fw.apply();
            String table = sh("ip", "netns", "exec", ns, "nft", "list", "table", "inet", ServerFirewall.TABLE);
            assertTrue(table.startsWith("0:"), table);
            assertEquals(4, table.split("maxseg size set rt mtu", -1).length - 1, table);
            assertTrue(table.contains("oifname \"ppp*\" tcp flags syn"), table);
            assertEquals(1, table.split("sessions never reach each other", -1).length - 1, table);
            assertFalse(table.contains("iifname \"ppp*\" oifname"), table);
        }
    }
}
