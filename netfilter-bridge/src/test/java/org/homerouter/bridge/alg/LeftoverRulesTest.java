package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.homerouter.bridge.admin.FailingCommands;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.alg.RouterCallIds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a killed run of the ALG leaves in the kernel (its NFQUEUE rule, its GRE NAT and inbound
 * forwarding tables) is removed at the next start even with passthrough off: with no reader on the
 * queue, that rule would drop the LAN's PPTP control traffic for good. So is what a stop could not
 * remove, which the stop reports.
 */
@Tag("root")
class LeftoverRulesTest {
    private static final Duration T = Duration.ofSeconds(10);

    private static String run(Netns ns, String... command) throws Exception {
        CommandResult r = ns.exec(T, command);
        assertTrue(r.succeeded(), r.toString());
        return r.output();
    }

    @Test
    void aKilledRunsQueueRuleAndTablesAreRemoved() throws Exception {
        try (Netns ns = Netns.create("algleft")) {
            run(ns, "iptables", "-w", "-t", "mangle", "-N", PassthroughAlg.CHAIN);
            run(ns, "iptables", "-w", "-t", "mangle", "-I", "FORWARD", "-p", "tcp", "-j", PassthroughAlg.CHAIN);
            run(ns, "iptables", "-w", "-t", "mangle", "-A", PassthroughAlg.CHAIN, "-p", "tcp", "-j", "NFQUEUE",
                    "--queue-num", "7");
            run(ns, "nft", "add", "table", "ip", GreNatRules.TABLE);
            run(ns, "nft", "add", "table", "ip", InboundPptpForward.TABLE);

            PassthroughAlg.removeLeftovers(ns.name());
            InboundPptpForward.removeLeftover(ns.name()); // the appliance's, with no inbound server set

            String mangle = run(ns, "iptables", "-w", "-t", "mangle", "-S");
            assertFalse(mangle.contains(PassthroughAlg.CHAIN), mangle);
            String tables = run(ns, "nft", "list", "tables");
            assertFalse(tables.contains(GreNatRules.TABLE) || tables.contains(InboundPptpForward.TABLE), tables);

            PassthroughAlg.removeLeftovers(ns.name()); // nothing left: quiet, no error
        }
    }

    @Test
    void aSecondAlgInTheSameNamespaceFailsWithoutTouchingTheFirstsRules() throws Exception {
        // The passthrough command run beside the service used to replace the service's table,
        // and remove it (and its queue rule) when it failed or stopped: every LAN client's GRE
        // through the router stopped.
        try (Netns ns = Netns.create("algtwice");
             PassthroughAlg first = PassthroughAlg.start(ns.name(), 7, flow -> null, RouterCallIds.NONE)) {
            java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> PassthroughAlg.start(ns.name(), 8, flow -> null, RouterCallIds.NONE));
            assertTrue(refused.getMessage().contains("already runs"), refused.getMessage());
            assertTrue(run(ns, "iptables", "-w", "-t", "mangle", "-S").contains("--queue-num 7"), "the first's queue rule stays");
            assertTrue(run(ns, "nft", "list", "tables").contains(GreNatRules.TABLE), "the first's table stays");

            PassthroughAlg.removeLeftovers(ns.name()); // a start with passthrough off, meanwhile
            assertTrue(run(ns, "iptables", "-w", "-t", "mangle", "-S").contains("--queue-num 7"),
                    "nothing is a leftover while an ALG runs");
        }
    }

    /**
     * The {@code passthrough --inbound-server} command runs (its ALG, and its forward in the table
     * the service's has too); the service, started beside it with no inbound server set, takes
     * neither for an earlier run's leftover: before, its start deleted the command's forward, and
     * the WAN's PPTP no longer reached the command's LAN server.
     */
    @Test
    void theInboundForwardOfTheCommandsRunningAlgIsNoLeftover() throws Exception {
        try (Netns ns = Netns.create("algfwd")) {
            try (PassthroughAlg command = PassthroughAlg.start(ns.name(), 7, flow -> null, RouterCallIds.NONE)) {
                run(ns, "nft", "add", "table", "ip", InboundPptpForward.TABLE); // its forward
                InboundPptpForward.removeLeftover(ns.name());
                assertTrue(run(ns, "nft", "list", "tables").contains(InboundPptpForward.TABLE), "the command's forward stays");
            }
            InboundPptpForward.removeLeftover(ns.name()); // the command killed before it removed its forward
            assertFalse(run(ns, "nft", "list", "tables").contains(InboundPptpForward.TABLE), "an earlier run's goes");
        }
    }

    /**
     * iptables and nft timing out on a busy board while passthrough is switched off: the stop says
     * that the queue rule (dropping every masqueraded PPTP control packet, with nobody reading the
     * queue now) and the table stayed, instead of "off"; a try while they still fail says so too,
     * and the next one removes them.
     */
    @Test
    void aStopThatCouldNotRemoveTheQueueRuleAndTableSaysSoAndTheNextTryRemovesThem() throws Exception {
        try (Netns ns = Netns.create("algstop")) {
            FailingCommands commands = new FailingCommands(ns.name());
            PassthroughAlg alg = PassthroughAlg.start(commands, ns.name(), 7, flow -> null, RouterCallIds.NONE);

            commands.timeOut(" -D FORWARD ", "nft delete table");
            IOException stayed = assertThrows(IOException.class, alg::stop);
            assertTrue(stayed.getMessage().contains("NFQUEUE rule is still in place"), stayed.getMessage());
            assertTrue(stayed.getMessage().contains("table " + GreNatRules.TABLE), stayed.getMessage());
            assertTrue(run(ns, "iptables", "-w", "-t", "mangle", "-S").contains("-j " + PassthroughAlg.CHAIN),
                    "the queue rule stayed");
            assertTrue(run(ns, "nft", "list", "tables").contains(GreNatRules.TABLE), "the table stayed");
            IOException still = assertThrows(IOException.class, () -> PassthroughAlg.removeLeftovers(ns.name(), commands));
            assertTrue(still.getMessage().contains("NFQUEUE rule is still in place"), still.getMessage());

            commands.heal();
            PassthroughAlg.removeLeftovers(ns.name(), commands);
            String mangle = run(ns, "iptables", "-w", "-t", "mangle", "-S");
            assertFalse(mangle.contains(PassthroughAlg.CHAIN), mangle);
            assertFalse(run(ns, "nft", "list", "tables").contains(GreNatRules.TABLE), "the table removed");
            alg.stop(); // stopped already: nothing more to say
        }
    }

    /**
     * iptables-nft exits 1 both when the rule is not there and when its netlink commit fails: a stop
     * whose removal of the queue rule failed that way says that the rule stayed (with nobody reading
     * the queue, it drops every masqueraded PPTP control packet), not that passthrough is off. Only
     * iptables' own words for "no such rule" count as removed: "Bad rule" with the chain there and
     * the jump gone, "does not exist" with both gone (the first test), each quiet.
     */
    @Test
    void aQueueRuleWhoseRemovalFailedWithExitStatus1IsNotCountedAsRemoved() throws Exception {
        try (Netns ns = Netns.create("algexit1")) {
            FailingCommands commands = new FailingCommands(ns.name());
            PassthroughAlg alg = PassthroughAlg.start(commands, ns.name(), 7, flow -> null, RouterCallIds.NONE);

            commands.exit(1, "iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Invalid argument",
                    " -D FORWARD ");
            IOException stayed = assertThrows(IOException.class, alg::stop);
            assertTrue(stayed.getMessage().contains("NFQUEUE rule is still in place")
                    && stayed.getMessage().contains("generation id"), stayed.getMessage());
            assertTrue(run(ns, "iptables", "-w", "-t", "mangle", "-S").contains("-j " + PassthroughAlg.CHAIN),
                    "the queue rule stayed");

            commands.heal();
            PassthroughAlg.removeLeftovers(ns.name(), commands);
            assertFalse(run(ns, "iptables", "-w", "-t", "mangle", "-S").contains(PassthroughAlg.CHAIN), "removed");

            run(ns, "iptables", "-w", "-t", "mangle", "-N", PassthroughAlg.CHAIN); // the chain, no jump to it
            PassthroughAlg.removeLeftovers(ns.name(), commands);
            String mangle = run(ns, "iptables", "-w", "-t", "mangle", "-S");
            assertFalse(mangle.contains(PassthroughAlg.CHAIN), mangle);
        }
    }
}
