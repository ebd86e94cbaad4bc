package org.homerouter.bridge.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.homerouter.bridge.alg.ConntrackFlows;
import org.homerouter.bridge.netns.HeldConnections;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The VPN server's share of the connection table for each session's device: one client holding
 * the table full (an established TCP entry kept 5 days) made every new connection fail for
 * everyone, the LAN's, new VPN logins' and the admin page's. Here each session's share is 3 and all
 * of theirs together 5 (2,048 and half the table on the router), with the image's kind of base
 * firewall beside it accepting every VPN client's packet (its accept must not let them past the
 * count); session devices are veths named {@code pptp9} and {@code pptp8}.
 *
 * <pre>
 *  sessA 192.168.250.11, .12 --pptp9--+
 *  sessB 192.168.251.11      --pptp8--[router 192.168.1.1 eth1] --eth0-- 203.0.113.9 internet
 *                                          |-- 192.168.1.20 lan
 * </pre>
 */
@Tag("root")
class SessionConnectionShareTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final int SHARE = 3;
    private static final int ALL = 5;
    private static final int PORT = 7000;

    private Netns router;
    private Netns sessionA;
    private Netns sessionB;
    private Netns internet;
    private Netns lan;
    private ServerFirewall firewall;
    private final HeldConnections held = new HeldConnections();

    @BeforeEach
    void namespaces() throws Exception {
        router = Netns.create("csr");
        sessionA = Netns.create("csa");
        sessionB = Netns.create("csb");
        internet = Netns.create("csi");
        lan = Netns.create("csl");
        Netns.linkVeth(sessionA, "veth0", "192.168.250.11/24", router, "pptp9", "192.168.250.1/24");
        sessionA.ip("addr", "add", "192.168.250.12/24", "dev", "veth0"); // a branch office's second host
        Netns.linkVeth(sessionB, "veth0", "192.168.251.11/24", router, "pptp8", "192.168.251.1/24");
        Netns.linkVeth(router, "eth0", "203.0.113.1/24", internet, "veth0", "203.0.113.9/24");
        Netns.linkVeth(router, "eth1", "192.168.1.1/24", lan, "veth0", "192.168.1.20/24");
        sessionA.ip("route", "add", "default", "via", "192.168.250.1");
        sessionB.ip("route", "add", "default", "via", "192.168.251.1");
        lan.ip("route", "add", "default", "via", "192.168.1.1");
        internet.ip("route", "add", "default", "via", "203.0.113.1");
        // The image's firewall accepts VPN clients' packets, pings first (another table).
        assertTrue(router.exec(T, "nft", "add table inet base; add chain inet base input { type filter hook input"
                + " priority filter; policy drop; }; add rule inet base input meta l4proto icmp accept;"
                + " add rule inet base input iifname \"pptp*\" accept; add rule inet base input ct state"
                + " established,related accept").succeeded());
        firewall = new ServerFirewall("pptp*", List.of(), router.name(), SHARE, ALL);
        firewall.apply();
        held.listen(internet.name(), "203.0.113.9", PORT);
        held.listen(router.name(), "192.168.250.1", PORT);
    }

    @AfterEach
    void deleteNamespaces() throws Exception {
        firewall.close();
        held.close();
        Netns.closeAll(sessionA, sessionB, internet, lan, router);
    }

    @Test
    void aSessionsConnectionsBeyondItsShareAreDroppedUntilItsEntriesAreSwept() throws Exception {
        assertEquals(SHARE, connections(sessionA, "192.168.250.11", "203.0.113.9", SHARE + 1),
                "its own share to the internet, the 4th dropped");
        assertEquals(0, connections(sessionA, "192.168.250.12", "203.0.113.9", 1), "nor from another of its addresses");
        assertEquals(0, connections(sessionA, "192.168.250.11", "192.168.250.1", 1), "nor to the router itself");
        assertFalse(sessionA.exec(T, "ping", "-c", "1", "-W", "1", "192.168.250.1").succeeded(),
                "nor a ping to the router, which the other table accepts (each echo ID is a connection)");
        assertEquals(ALL - SHARE, connections(sessionB, "192.168.251.11", "203.0.113.9", SHARE),
                "another session has its own share, within what all of them may hold");
        assertEquals(SHARE + 2, connections(lan, "192.168.1.20", "203.0.113.9", SHARE + 2), "the LAN is not limited");
        String counted = router.exec(T, "nft", "list", "table", "inet", ServerFirewall.TABLE).output();
        assertFalse(counted.contains("counter packets 0 bytes 0 drop comment \"a session's")
                || counted.contains("counter packets 0 bytes 0 drop comment \"all sessions'"),
                "both limits counted what they dropped: " + counted);

        // Session A ends; the next session on pptp9 (the kernel gives the lowest free name) has
        // its whole share once the ended one's entries are swept, not what the previous user left.
        new ConntrackFlows(router.name()).forget(List.of(ip("192.168.250.11"), ip("192.168.250.12")), List.of());
        assertEquals(SHARE, connections(sessionA, "192.168.250.11", "203.0.113.9", SHARE + 1),
                "the device name's share whole again after the sweep");

        // Entries a sweep kept (a branch's networks its redial took) or could not delete: the next
        // session given the same name (a new device, a new index) does not inherit them. Only the
        // total, where they still count, holds it: 3 left plus 2 new makes ALL.
        new ConntrackFlows(router.name()).forget(List.of(ip("192.168.251.11")), List.of());
        router.ip("link", "del", "pptp9");
        Netns.linkVeth(sessionA, "veth0", "192.168.250.11/24", router, "pptp9", "192.168.250.1/24");
        sessionA.ip("route", "add", "default", "via", "192.168.250.1");
        assertEquals(ALL - SHARE, connections(sessionA, "192.168.250.11", "203.0.113.9", SHARE),
                "a new device of the same name starts with its whole share, within what all may hold");
    }

    /**
     * A branch office's whole LAN arrives on its session's one device: with a dial-in user's share
     * an office of more than ~20 PCs failed at random. Its device has the larger share while its
     * networks are routed into it, from any of its hosts; a plain session beside it keeps its own;
     * at the session's end the index goes back to the plain share.
     */
    @Test
    void aBranchOfficesDeviceHasALargerShareAndAPlainSessionItsOwn() throws Exception {
        int branch = 2 * SHARE;
        firewall.close();
        firewall = new ServerFirewall("pptp*", List.of(), router.name(), SHARE, branch, 4 * branch);
        firewall.apply();
        int index = firewall.branchShare("pptp9");

        int made = connections(sessionA, "192.168.250.11", "203.0.113.9", SHARE + 1)
                + connections(sessionA, "192.168.250.12", "203.0.113.9", SHARE + 1);
        assertEquals(branch, made, "two of the branch's hosts, the branch's share between them, the last dropped");
        assertEquals(SHARE, connections(sessionB, "192.168.251.11", "203.0.113.9", SHARE + 1),
                "a plain session beside it has the plain share");
        String table = router.exec(T, "nft", "list", "table", "inet", ServerFirewall.TABLE).output();
        assertTrue(table.contains("iif ct count over " + branch + " }"), table);
        assertFalse(table.contains("counter packets 0 bytes 0 drop comment \"a branch office's"),
                "the branch's share dropped its connection over it: " + table);

        firewall.plainShare(index);
        assertEquals(SHARE, connections(sessionA, "192.168.250.11", "203.0.113.9", SHARE + 1),
                "given back, the device counts against a plain share (from none: a branch's device ends with its session)");
        firewall.plainShare(index); // given back twice (its end reported again): nothing to delete, no failure
    }

    /**
     * Each session over its share gets its own line in the kernel's log: with one budget of a line
     * each 10 s for all of them, a heavy session's lines hid another's, and the owner looking for
     * who fills the table found one of them. Read from the log rule's counter: a namespace's
     * netfilter log lines reach no log unless the host's nf_log_all_netns says so, host-wide.
     */
    @Test
    void twoSessionsOverTheirSharesEachGetALogLine() throws Exception {
        firewall.close();
        firewall = new ServerFirewall("pptp*", List.of(), router.name(), SHARE, 100);
        firewall.apply();
        // Both within seconds: a budget for all of them gives one line per 10 s.
        assertEquals(SHARE, connections(sessionA, "192.168.250.11", "203.0.113.9", SHARE + 1));
        assertEquals(SHARE, connections(sessionB, "192.168.251.11", "203.0.113.9", SHARE + 1));
        String table = router.exec(T, "nft", "list", "table", "inet", ServerFirewall.TABLE).output();
        assertEquals(2, logged(table, "homerouter: a VPN session is over its share"),
                "one line for each session over its share (each dropped SYN was sent twice): " + table);
    }

    /** The packets the rule logging {@code prefix} let through its limit, from {@code nft list}. */
    private static long logged(String table, String prefix) {
        for (String line : table.split("\n")) {
            if (line.contains("log prefix \"" + prefix)) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("counter packets (\\d+)").matcher(line);
                assertTrue(m.find(), line);
                return Long.parseLong(m.group(1));
            }
        }
        throw new AssertionError("no rule logs '" + prefix + "': " + table);
    }

    /** How many of {@code tries} connections from {@code from} in {@code ns} to {@code to} were made (each kept open). */
    private int connections(Netns ns, String from, String to, int tries) {
        int made = 0;
        for (int i = 0; i < tries; i++) {
            try {
                held.connect(ns.name(), from, to, PORT, 1500);
                made++;
            } catch (IOException dropped) {
                // a SYN dropped: no answer within the timeout
            }
        }
        return made;
    }

    private static Inet4Address ip(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }
}
