package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import org.homerouter.bridge.admin.FailingCommands;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.alg.GreMapping;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A call's GRE NAT rules in the kernel, in a namespace of their own. */
@Tag("root")
class GreNatRulesTest {
    private static final Duration T = Duration.ofSeconds(10);

    @TempDir
    java.nio.file.Path dir;

    private static Inet4Address v4(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    @Test
    void aNewCallsRulesComeBeforeRulesAnEndedCallLeftBehind() throws Exception {
        try (Netns ns = Netns.create("grenat"); GreNatRules rules = new GreNatRules(ns.name())) {
            rules.install();
            // An ended call whose rules stayed (their delete failed), then a new call from another
            // LAN client that was given the same NAT ID towards the same server.
            GreMapping old = new GreMapping(v4("10.77.1.2"), 7, v4("203.0.113.7"), 4000, v4("198.51.100.1"), 31);
            GreMapping fresh = new GreMapping(v4("10.77.2.2"), 9, v4("203.0.113.7"), 4001, v4("198.51.100.1"), 31);
            rules.mapped(old);
            rules.mapped(fresh);
            CommandResult pre = ns.exec(Duration.ofSeconds(10), "nft", "list", "chain", "ip", GreNatRules.TABLE, "pre");
            assertTrue(pre.succeeded(), pre.toString());
            String first = pre.output().lines().filter(l -> l.contains("ip saddr 203.0.113.7")).findFirst().orElseThrow();
            assertTrue(first.contains("ip daddr set 10.77.2.2"), "the server's GRE for NAT ID 31 goes to the new call: " + pre.output());
            assertEquals(2, rules.size());
        }
    }

    /** An ended call's rules whose delete failed are not left in for good: the next reconcile removes them. */
    @Test
    void anEndedCallsRulesWhoseDeleteFailedGoAtTheNextReconcile() throws Exception {
        try (Netns ns = Netns.create("grenat"); GreNatRules rules = new GreNatRules(ns.name())) {
            rules.install();
            GreMapping m = new GreMapping(v4("10.77.1.2"), 7, v4("203.0.113.7"), 4000, v4("198.51.100.1"), 31);
            rules.mapped(m);
            // One of its four rules deleted by hand: the call's delete, one transaction, then fails.
            deleteOneRule(ns, "post");
            rules.unmapped(m);
            assertTrue(listing(ns).contains("203.0.113.7"), "the failed delete left the other three in");
            rules.reconcile();
            assertFalse(listing(ns).contains("203.0.113.7"), "still in after the reconcile: " + listing(ns));
            assertEquals(0, rules.size());

            // A live call one of whose rules went (by hand): the reconcile forgets it, so that it is
            // put in again whole, and removes the rest of the old ones.
            rules.mapped(m);
            deleteOneRule(ns, "post");
            rules.reconcile();
            assertFalse(rules.has(m));
            assertFalse(listing(ns).contains("203.0.113.7"), "the old call's other rules stayed: " + listing(ns));
            rules.mapped(m);
            assertEquals(4, listing(ns).lines().filter(l -> l.contains("203.0.113.7")).count(), listing(ns));
        }
    }

    /**
     * nft put a call's rules in, then was killed at its timeout before it echoed their handles: the
     * next reconcile removes them, or they would outlive the call (its rules go in again, with
     * handles, at the next repair) and take its server's GRE for that NAT ID to its old client.
     */
    @Test
    void rulesPutInByAnNftKilledBeforeItsEchoGoAtTheNextReconcile() throws Exception {
        try (Netns ns = Netns.create("grenat")) {
            FailingCommands commands = new FailingCommands(ns.name());
            commands.timeOutAfterRunning("nft --echo");
            try (GreNatRules rules = new GreNatRules(commands)) {
                rules.install();
                GreMapping m = new GreMapping(v4("10.77.1.2"), 7, v4("203.0.113.7"), 4000, v4("198.51.100.1"), 31);
                rules.mapped(m);
                assertFalse(rules.has(m));
                assertEquals(4, listing(ns).lines().filter(l -> l.contains("203.0.113.7")).count(), listing(ns));

                commands.heal();
                rules.reconcile();
                assertFalse(listing(ns).contains("203.0.113.7"), "rules of no call stayed: " + listing(ns));
                assertTrue(listing(ns).contains("prot-unreachable drop"), "the table's own rule stays: " + listing(ns));
                rules.mapped(m); // the repair
                rules.reconcile();
                assertTrue(rules.has(m));
                assertEquals(4, listing(ns).lines().filter(l -> l.contains("203.0.113.7")).count(), listing(ns));
            }
        }
    }

    /**
     * Another LAN host that knows (or guesses: 16 bits) the server's call ID of a client's call
     * sends GRE with that key to that server, behind the image's own firewall. It used to match none
     * of the call's rules, went through conntrack as ordinary GRE, was accepted by the forward chain
     * and masqueraded to the public address: the server took it for the call's own, and a clear-text
     * LCP Terminate-Request in it ended the client's tunnel. Now it never reaches the server, nor
     * does a VPN client's (pptp*); the client's GRE does, and so does the other host's GRE with a key
     * no call of the ALG has.
     */
    @Test
    void greAnotherLanHostSendsWithACallsKeyNeverReachesItsServer() throws Exception {
        try (Behind t = behindTheImagesFirewall()) {
            t.rules().mapped(new GreMapping(v4("10.77.1.2"), 7, v4("203.0.113.7"), 4000, v4("203.0.113.1"), 31));

            sendGre(t.lan(), "10.77.1.3", "203.0.113.7", 4000); // the other host, with the call's key
            sendGre(t.vpn(), "10.77.3.2", "203.0.113.7", 4000); // a VPN client, with the call's key
            sendGre(t.lan(), "10.77.1.3", "203.0.113.7", 4001); // the other host's own GRE
            sendGre(t.lan(), "10.77.1.2", "203.0.113.7", 4000); // the client
            long[] seen = awaitKey4000(t.server());
            assertEquals(1, seen[1], "the other host's own GRE goes on: " + listing(t.router()));
            assertEquals(1, seen[0], "only the client's GRE with the call's key reaches the server: " + listing(t.router()));
        }
    }

    /**
     * An ended call's rules stayed behind (their delete failed) and the server gave its call ID to a
     * new call from another LAN client: the old call's rules, its drop of GRE from anyone else with
     * that key among them, must not stop the new call's GRE until the next reconcile removes them.
     */
    @Test
    void anEndedCallsRulesLeftBehindDoNotDropANewCallsGreWithTheSameKey() throws Exception {
        try (Behind t = behindTheImagesFirewall()) {
            t.rules().mapped(new GreMapping(v4("10.77.1.2"), 7, v4("203.0.113.7"), 4000, v4("203.0.113.1"), 31));
            t.rules().mapped(new GreMapping(v4("10.77.1.3"), 9, v4("203.0.113.7"), 4000, v4("203.0.113.1"), 32));

            sendGre(t.lan(), "10.77.1.3", "203.0.113.7", 4000); // the new call's client
            assertEquals(1, awaitKey4000(t.server())[0], "the new call's GRE reaches the server: " + listing(t.router()));
        }
    }

    /**
     * A client at 10.77.1.2 and another LAN host at 10.77.1.3 (lan0), a VPN client at 10.77.3.2
     * (pptp9), the server at 203.0.113.7 outside (wan0); the router's public address 203.0.113.1,
     * behind the image's own nftables.conf. The server counts the GRE it gets from the public
     * address with keys 4000 and 4001 ({@link #seen}). The ALG's table is installed, with no call yet.
     */
    private Behind behindTheImagesFirewall() throws Exception {
        Netns router = null;
        Netns lan = null;
        Netns vpn = null;
        Netns server = null;
        try {
            router = Netns.create("grerouter");
            lan = Netns.create("grelan");
            vpn = Netns.create("grevpn");
            server = Netns.create("greserver");
            connect(router, lan, vpn, server);
            GreNatRules rules = new GreNatRules(router.name());
            rules.install();
            return new Behind(router, lan, vpn, server, rules);
        } catch (Exception e) {
            Netns.closeAll(server, vpn, lan, router);
            throw e;
        }
    }

    /** The namespaces of {@link #behindTheImagesFirewall} and the ALG's rules in the router's; closed the other way round. */
    private record Behind(Netns router, Netns lan, Netns vpn, Netns server, GreNatRules rules) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            rules.close();
            Netns.closeAll(server, vpn, lan, router);
        }
    }

    private void connect(Netns router, Netns lan, Netns vpn, Netns server) throws Exception {
        Netns.linkVeth(server, "veth0", "203.0.113.7/24", router, "wan0", "203.0.113.1/24");
        Netns.linkVeth(lan, "veth0", "10.77.1.2/24", router, "lan0", "10.77.1.1/24");
        Netns.linkVeth(vpn, "veth0", "10.77.3.2/24", router, "pptp9", "10.77.3.1/24");
        lan.ip("addr", "add", "10.77.1.3/24", "dev", "veth0");
        lan.ip("route", "add", "default", "via", "10.77.1.1");
        vpn.ip("route", "add", "default", "via", "10.77.3.1");
        require(router.exec(T, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"));
        String conf = java.nio.file.Files.readString(java.nio.file.Path.of("..", "image", "overlay", "etc", "nftables.conf"))
                .replace("define WAN = \"eth0\"", "define WAN = \"wan0\"")
                .replace("define LAN = \"eth1\"", "define LAN = \"lan0\"");
        java.nio.file.Path file = dir.resolve("nftables.conf");
        java.nio.file.Files.writeString(file, conf);
        require(router.exec(T, "nft", "-f", file.toString()));
        require(server.exec(T, "nft", "add table ip seen; add chain ip seen pre { type filter hook prerouting"
                + " priority raw; }; add rule ip seen pre ip saddr 203.0.113.1 ip protocol gre @th,48,16 4000"
                + " counter; add rule ip seen pre ip saddr 203.0.113.1 ip protocol gre @th,48,16 4001 counter"));
    }

    /**
     * The server's counts once GRE with key 4000 has arrived (or 10 s passed): the tests send the
     * packet that must arrive last, so its arrival says the ones before it have been dealt with.
     */
    private static long[] awaitKey4000(Netns server) throws Exception {
        long[] seen = seen(server);
        for (long end = System.nanoTime() + T.toNanos(); seen[0] == 0 && System.nanoTime() < end; seen = seen(server)) {
            Thread.onSpinWait();
        }
        return seen;
    }

    /** One enhanced GRE packet (RFC 2637 §4.1, no payload) with key call ID {@code callId}, by a raw socket. */
    private static void sendGre(Netns from, String source, String to, int callId) throws Exception {
        String py = String.format("import socket; s=socket.socket(socket.AF_INET, socket.SOCK_RAW, 47); s.bind(('%s', 0));"
                + " s.sendto(bytes.fromhex('2001880b0000%04x'), ('%s', 0))", source, callId, to);
        require(from.exec(T, "python3", "-c", py));
    }

    /** The server's counts of GRE from the public address with keys 4000 and 4001 (nft lists them in hex). */
    private static long[] seen(Netns server) throws Exception {
        CommandResult listed = server.exec(T, "nft", "list", "table", "ip", "seen");
        require(listed); // a failed listing counts nothing, and "nothing reached the server" passed on it
        String out = listed.output();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("@th,48,16 (0xfa0|0xfa1) counter packets (\\d+)").matcher(out);
        long[] counts = new long[2];
        while (m.find()) {
            counts[m.group(1).equals("0xfa0") ? 0 : 1] = Long.parseLong(m.group(2));
        }
        return counts;
    }

    private static void require(CommandResult r) throws IOException {
        if (!r.succeeded()) {
            throw new IOException(r.toString());
        }
    }

    private static void deleteOneRule(Netns ns, String chain) throws Exception {
        String rules = ns.exec(Duration.ofSeconds(10), "nft", "--handle", "list", "chain", "ip", GreNatRules.TABLE, chain)
                .output();
        String rule = rules.lines().filter(l -> l.contains("203.0.113.7")).findFirst().orElseThrow();
        java.util.regex.Matcher h = java.util.regex.Pattern.compile("# handle (\\d+)").matcher(rule);
        assertTrue(h.find(), rules);
        assertTrue(ns.exec(Duration.ofSeconds(10), "nft", "delete", "rule", "ip", GreNatRules.TABLE, chain, "handle",
                h.group(1)).succeeded());
    }

    /**
     * The GRE NAT table as nft lists it. The listing must succeed: a failed one (the table gone, nft
     * missing) contains no rule, and "the call's rules are gone" passed on it whatever was left.
     */
    private static String listing(Netns ns) throws Exception {
        CommandResult r = ns.exec(Duration.ofSeconds(10), "nft", "list", "table", "ip", GreNatRules.TABLE);
        assertTrue(r.succeeded(), r.toString());
        return r.output();
    }
}
