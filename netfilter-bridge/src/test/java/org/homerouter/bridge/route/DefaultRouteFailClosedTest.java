package org.homerouter.bridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A router with a default route to the internet, a LAN host behind it, and the site-to-site
 * tunnel's "everything else" down: forwarded traffic must not take the default route.
 *
 * <pre>
 *  host 10.10.1.2 --- 10.10.1.1 [router] 10.98.0.1 --- 10.98.0.2 [internet, 198.51.100.1 on lo]
 * </pre>
 */
@Tag("root")
class DefaultRouteFailClosedTest {
    private static final String FAR = "198.51.100.1";
    private Netns router;
    private Netns host;
    private Netns internet;

    @BeforeEach
    void topology() throws IOException {
        router = Netns.create("dfr");
        host = Netns.create("dfh");
        internet = Netns.create("dfi");
        Netns.linkVeth(host, "lan", "10.10.1.2/24", router, "lan", "10.10.1.1/24");
        Netns.linkVeth(router, "wan", "10.98.0.1/24", internet, "wan", "10.98.0.2/24");
        router.exec(Duration.ofSeconds(5), "sysctl", "-qw", "net.ipv4.ip_forward=1");
        router.ip("route", "add", "default", "via", "10.98.0.2");
        host.ip("route", "add", "default", "via", "10.10.1.1");
        internet.ip("addr", "add", FAR + "/32", "dev", "lo");
        internet.ip("route", "add", "10.10.1.0/24", "via", "10.98.0.1");
    }

    @AfterEach
    void cleanUp() throws IOException {
        Netns.closeAll(host, internet, router);
    }

    private static CommandResult ping(Netns from, String to) throws IOException {
        return from.exec(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", to);
    }

    private static void assertReached(Netns from, String to) throws IOException {
        CommandResult r = ping(from, to);
        assertTrue(r.succeeded() && r.output().contains("1 received"), from + " -> " + to + ": " + r);
    }

    @Test
    void whileOnTheLanHearsNetworkUnreachableAndOnlyTheRoutersOwnTrafficUsesTheDefaultRoute() throws Exception {
        assertReached(host, FAR); // the leak it closes: without the rules the default route carries it
        DefaultRouteFailClosed guard = new DefaultRouteFailClosed(router.name());
        guard.keep(true);

        CommandResult r = ping(host, FAR);
        assertTrue(!r.succeeded() && r.output().contains("Destination Net Unreachable"), r.toString());
        assertReached(router, FAR); // the router itself still dials the server and looks names up
        assertReached(host, "10.98.0.2"); // the WAN's own subnet (a modem in front of the router)
        // A route more specific than the default, as the tunnel's halves are while it is up, is followed.
        router.ip("route", "add", FAR + "/32", "via", "10.98.0.2");
        assertReached(host, FAR);
        router.ip("route", "del", FAR + "/32", "via", "10.98.0.2");

        guard.keep(true);
        new DefaultRouteFailClosed(router.name()).keep(true); // the next start finds them in
        String rules = router.ip("-4", "rule", "show") + router.ip("-6", "rule", "show");
        assertEquals(2, count(rules, "suppress_prefixlength 0"), rules);
        assertEquals(2, count(rules, "unreachable"), rules);

        guard.keep(false);
        assertReached(host, FAR);
        rules = router.ip("-4", "rule", "show") + router.ip("-6", "rule", "show");
        assertEquals(0, count(rules, "424"), rules);
    }

    @Test
    void halfAPairLeftByAKilledRunIsCompletedAndAnAdministratorsRuleAtTheSamePreferenceStays() throws Exception {
        router.ip("-4", "rule", "add", "not", "iif", "lo", "unreachable", "pref", DefaultRouteFailClosed.UNREACHABLE);
        router.ip("-4", "rule", "add", "from", "10.10.9.0/24", "lookup", "main", "pref",
                DefaultRouteFailClosed.MAIN_WITHOUT_DEFAULT);

        DefaultRouteFailClosed guard = new DefaultRouteFailClosed(router.name());
        guard.keep(true);
        String rules = router.ip("-4", "rule", "show");
        assertEquals(1, count(rules, "suppress_prefixlength 0"), rules);
        assertEquals(1, count(rules, "unreachable"), rules);
        assertReached(router, FAR);

        guard.keep(false);
        rules = router.ip("-4", "rule", "show");
        assertEquals(0, count(rules, "unreachable") + count(rules, "suppress_prefixlength"), rules);
        assertTrue(rules.contains("from 10.10.9.0/24 lookup main"), "the administrator's rule: " + rules);
        assertReached(host, FAR);

        // Switched off with only the unreachable half there (a run killed between its two adds):
        // alone it lets nothing forwarded out, and off must take it out too.
        router.ip("-4", "rule", "add", "not", "iif", "lo", "unreachable", "pref", DefaultRouteFailClosed.UNREACHABLE);
        assertTrue(guard.holding());
        new DefaultRouteFailClosed(router.name()).keep(false);
        assertReached(host, FAR);
        assertTrue(!guard.holding());
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
