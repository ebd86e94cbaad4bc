package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.homerouter.bridge.admin.AdminCommands;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.alg.GreMapping;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A call's GRE NAT rules in the kernel, in a namespace of their own. */
@Tag("root")
class GreNatRulesTest {
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
            // One of its three rules deleted by hand: the call's delete, one transaction, then fails.
            deleteOneRule(ns, "post");
            rules.unmapped(m);
            assertTrue(listing(ns).contains("203.0.113.7"), "the failed delete left the other two in");
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
            assertEquals(3, listing(ns).lines().filter(l -> l.contains("203.0.113.7")).count(), listing(ns));
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
            AtomicBoolean slow = new AtomicBoolean(true);
            AdminCommands commands = new AdminCommands(ns.name()) {
                @Override
                public String run(String stdin, String... command) throws IOException {
                    String out = super.run(stdin, command);
                    if (slow.get() && command[1].equals("--echo")) {
                        throw new IOException(String.join(" ", command) + " timed out after 10000 ms");
                    }
                    return out;
                }
            };
            try (GreNatRules rules = new GreNatRules(commands)) {
                rules.install();
                GreMapping m = new GreMapping(v4("10.77.1.2"), 7, v4("203.0.113.7"), 4000, v4("198.51.100.1"), 31);
                rules.mapped(m);
                assertFalse(rules.has(m));
                assertEquals(3, listing(ns).lines().filter(l -> l.contains("203.0.113.7")).count(), listing(ns));

                slow.set(false);
                rules.reconcile();
                assertFalse(listing(ns).contains("203.0.113.7"), "rules of no call stayed: " + listing(ns));
                assertTrue(listing(ns).contains("prot-unreachable drop"), "the table's own rule stays: " + listing(ns));
                rules.mapped(m); // the repair
                rules.reconcile();
                assertTrue(rules.has(m));
                assertEquals(3, listing(ns).lines().filter(l -> l.contains("203.0.113.7")).count(), listing(ns));
            }
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

    private static String listing(Netns ns) throws Exception {
        return ns.exec(Duration.ofSeconds(10), "nft", "list", "table", "ip", GreNatRules.TABLE).output();
    }
}
