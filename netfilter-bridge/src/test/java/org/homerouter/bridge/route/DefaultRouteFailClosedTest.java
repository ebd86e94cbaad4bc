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
 * ({@link LanRouterInternet}).
 */
@Tag("root")
class DefaultRouteFailClosedTest {
    private static final String FAR = LanRouterInternet.FAR;
    private LanRouterInternet net;
    private Netns router;
    private Netns host;

    @BeforeEach
    void topology() throws IOException {
        net = LanRouterInternet.create("df");
        router = net.router();
        host = net.host();
    }

    @AfterEach
    void cleanUp() throws IOException {
        net.close();
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
