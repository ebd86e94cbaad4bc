package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.alg.RouterCallIds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The router's own calls and the LAN's NAT IDs share the public address's GRE keys (RFC 2637
 * §4.1). The ALG's queue reader used to start before the router's allocators were told its NAT
 * IDs: a LAN call connected in that moment could be given an ID that the router's next call then
 * took too, and the GRE NAT took that call's GRE to the LAN host.
 */
@Tag("root")
class PassthroughAlgRouterCallIdsTest {
    private static final int QUEUE = 9;

    @Test
    void theRoutersCallsAreToldTheNatIdsBeforeTheFirstSegmentIsReadAndFreedOnlyOnceTheRulesAreGone() throws Exception {
        try (Netns ns = Netns.create("algids")) {
            List<String> told = new ArrayList<>();
            RouterCallIds router = new RouterCallIds() {
                @Override
                public boolean callIdTaken(int id) {
                    return false;
                }

                @Override
                public void reserveCallIds(IntPredicate natIds) {
                    told.add((readerRuns() ? "reader running" : "no reader") + ", "
                            + (tableIn(ns) ? "GRE NAT table in" : "no GRE NAT table"));
                }
            };
            PassthroughAlg alg = PassthroughAlg.start(ns.name(), QUEUE, flow -> null, router);
            assertEquals(List.of("no reader, GRE NAT table in"), told, "told at start, before any segment is read");
            alg.close();
            assertEquals(List.of("no reader, GRE NAT table in", "no reader, no GRE NAT table"), told,
                    "the NAT IDs freed only once no GRE NAT rule is left to take a router call's GRE");
        }
    }

    private static boolean tableIn(Netns ns) {
        try {
            return ns.exec(Duration.ofSeconds(10), "nft", "list", "tables").output().contains(GreNatRules.TABLE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean readerRuns() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("alg-nfqueue-" + QUEUE));
    }
}
