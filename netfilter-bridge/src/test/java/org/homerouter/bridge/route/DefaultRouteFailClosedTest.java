package org.homerouter.bridge.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A router with a default route to the internet, a LAN host behind it, and the site-to-site
 * tunnel's "everything else": forwarded traffic must not take the default route while the tunnel
 * is down, and while it is up the router's VPN server still answers a remote worker on the
 * internet (FAR here) by the WAN.
 *
 * ({@link LanRouterInternet}).
 */
@Tag("root")
class DefaultRouteFailClosedTest {
    private static final String FAR = LanRouterInternet.FAR;
    private static final String ROUTER_WAN = "10.98.0.1";
    private static final OptionalInt NO_VPN_SERVER = OptionalInt.empty();
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

    private String rules() throws IOException {
        return router.ip("-4", "rule", "show") + router.ip("-6", "rule", "show");
    }

    @Test
    void whileOnTheLanHearsNetworkUnreachableAndOnlyTheRoutersOwnTrafficUsesTheDefaultRoute() throws Exception {
        assertReached(host, FAR); // the leak it closes: without the rules the default route carries it
        DefaultRouteFailClosed guard = new DefaultRouteFailClosed(router.name());
        guard.keep(true, NO_VPN_SERVER);

        CommandResult r = ping(host, FAR);
        assertTrue(!r.succeeded() && r.output().contains("Destination Net Unreachable"), r.toString());
        assertReached(router, FAR); // the router itself still dials the server and looks names up
        assertReached(host, "10.98.0.2"); // the WAN's own subnet (a modem in front of the router)
        // The tunnel's table, as it is while the tunnel is up, is followed.
        router.ip("route", "add", "default", "via", "10.98.0.2", "table", DefaultRouteFailClosed.TABLE);
        assertReached(host, FAR);
        router.ip("route", "del", "default", "via", "10.98.0.2", "table", DefaultRouteFailClosed.TABLE);

        guard.keep(true, NO_VPN_SERVER);
        new DefaultRouteFailClosed(router.name()).keep(true, NO_VPN_SERVER); // the next start finds them in
        String rules = rules();
        assertEquals(2, count(rules, "suppress_prefixlength 0"), rules);
        assertEquals(1, count(rules, "lookup " + DefaultRouteFailClosed.TABLE), rules);
        assertEquals(2, count(rules, "unreachable"), rules);

        guard.keep(false, NO_VPN_SERVER);
        assertReached(host, FAR);
        rules = rules();
        assertEquals(0, ours(rules), rules);
    }

    @Test
    void halfASetLeftByAKilledRunIsCompletedAndAnAdministratorsRuleAtTheSamePreferenceStays() throws Exception {
        router.ip("-4", "rule", "add", "not", "iif", "lo", "unreachable", "pref", DefaultRouteFailClosed.UNREACHABLE);
        router.ip("-4", "rule", "add", "from", "10.10.9.0/24", "lookup", "main", "pref",
                DefaultRouteFailClosed.MAIN_WITHOUT_DEFAULT);

        DefaultRouteFailClosed guard = new DefaultRouteFailClosed(router.name());
        guard.keep(true, NO_VPN_SERVER);
        String rules = router.ip("-4", "rule", "show");
        assertEquals(1, count(rules, "suppress_prefixlength 0"), rules);
        assertEquals(1, count(rules, "unreachable"), rules);
        assertReached(router, FAR);

        guard.keep(false, NO_VPN_SERVER);
        rules = router.ip("-4", "rule", "show");
        assertEquals(0, count(rules, "unreachable") + count(rules, "suppress_prefixlength"), rules);
        assertTrue(rules.contains("from 10.10.9.0/24 lookup main"), "the administrator's rule: " + rules);
        assertReached(host, FAR);

        // Switched off with only the unreachable rule there (a run killed between its adds):
        // alone it lets nothing forwarded out, and off must take it out too.
        router.ip("-4", "rule", "add", "not", "iif", "lo", "unreachable", "pref", DefaultRouteFailClosed.UNREACHABLE);
        assertTrue(guard.holding());
        new DefaultRouteFailClosed(router.name()).keep(false, NO_VPN_SERVER);
        assertReached(host, FAR);
        assertTrue(!guard.holding());
    }

    /**
     * The tunnel is up with everything else in it, and the router's kernel checks source addresses
     * strictly (the image's rp_filter = 1). A remote worker on the internet, beyond the router's
     * WAN gateway, must still reach the VPN server: a TCP connection to its port, and GRE both
     * ways. Before, the server's answers followed the tunnel's routes into the office, and the
     * kernel dropped the worker's packets on the WAN, where it expected that address from the
     * tunnel. Rules an earlier firmware left are taken over, and a new port is followed.
     */
    @Test
    void withEverythingInTheTunnelAWorkerOnTheInternetStillReachesTheVpnServer() throws Exception {
        // An earlier firmware's rules (or its homerouter-hold's): forwarded traffic only off the main default.
        router.ip("-4", "rule", "add", "not", "iif", "lo", "lookup", "main", "suppress_prefixlength", "0", "pref",
                DefaultRouteFailClosed.FORWARDED_MAIN_WITHOUT_DEFAULT);
        router.ip("-4", "rule", "add", "not", "iif", "lo", "unreachable", "pref", DefaultRouteFailClosed.UNREACHABLE);
        CommandResult strict = router.exec(Duration.ofSeconds(5), "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1");
        assertTrue(strict.succeeded(), strict.toString());
        // The internet's side asks for the router's MAC address from its own address, as an ISP's
        // gateway does, not from the worker's it holds here too: the router's strict source check
        // would place that one in the tunnel (ARP has no ports for the rules to tell it by).
        CommandResult gateway = net.internet().exec(Duration.ofSeconds(5), "sysctl", "-qw",
                "net.ipv4.conf.all.arp_announce=2");
        assertTrue(gateway.succeeded(), gateway.toString());
        router.ip("tuntap", "add", "dev", "ppp9", "mode", "tun");
        router.ip("link", "set", "ppp9", "up");

        DefaultRouteFailClosed guard = new DefaultRouteFailClosed(router.name());
        guard.keep(true, OptionalInt.of(1723));
        String rules = router.ip("-4", "rule", "show");
        assertFalse(rules.contains("not from all iif lo lookup main"), "the earlier firmware's rule stayed: " + rules);
        CommandResult down = ping(host, FAR);
        assertTrue(!down.succeeded() && down.output().contains("Destination Net Unreachable"), "tunnel down: " + down);

        new EverythingElseRoute(router.name()).into("ppp9");
        assertTrue(router.ip("route", "get", FAR, "from", "10.10.1.2", "iif", "lan").contains("dev ppp9"),
                "the LAN's traffic goes through the tunnel");
        assertTrue(router.ip("route", "get", FAR).contains("dev ppp9"), "the router's own too");
        assertEquals("answered", workerConnects(1723));
        assertEquals("answered", workerGre());

        // The server moves to another port: the rule follows.
        guard.keep(true, OptionalInt.of(1724));
        rules = router.ip("-4", "rule", "show");
        assertFalse(rules.contains("sport 1723"), rules);
        assertEquals("answered", workerConnects(1724));

        guard.keep(false, NO_VPN_SERVER);
        rules = rules();
        assertEquals(0, ours(rules), rules);
    }

    /**
     * The worker at FAR (the internet's side: the router reaches it by its default route) opens a
     * TCP connection to the router's WAN address at {@code port}, where a server answers.
     *
     * @return what the worker received, or why it failed
     */
    private String workerConnects(int port) throws Exception {
        String server = "import socket\n"
                + "s = socket.socket()\n"
                + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                + "s.bind(('" + ROUTER_WAN + "', " + port + "))\n"
                + "s.listen()\n"
                + "s.settimeout(8)\n"
                + "print('ready', flush=True)\n"
                + "c, peer = s.accept()\n"
                + "c.sendall(b'answered')\n";
        String worker = "import socket\n"
                + "s = socket.create_connection(('" + ROUTER_WAN + "', " + port + "), timeout=4, source_address=('"
                + FAR + "', 0))\n"
                + "print(s.recv(16).decode())\n";
        return exchange(server, worker);
    }

    /** The worker sends GRE to the router's WAN address, where a raw socket sends it back. */
    private String workerGre() throws Exception {
        String server = "import socket\n"
                + "r = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)\n"
                + "r.settimeout(8)\n"
                + "print('ready', flush=True)\n"
                + "while True:\n"
                + "    d, peer = r.recvfrom(2048)\n"
                + "    if peer[0] == '" + FAR + "':\n"
                + "        break\n"
                + "r.sendto(d[(d[0] & 15) * 4:], (peer[0], 0))\n";
        String worker = "import socket\n"
                + "g = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)\n"
                + "g.bind(('" + FAR + "', 0))\n"
                + "g.settimeout(4)\n"
                // Enhanced GRE (PPTP's, RFC 2637 4.1): key present, version 1, PPP, no payload.
                + "g.sendto(bytes.fromhex('2001880b00000007'), ('" + ROUTER_WAN + "', 0))\n"
                + "while True:\n"
                + "    d, peer = g.recvfrom(2048)\n"
                + "    if peer[0] == '" + ROUTER_WAN + "':\n"
                + "        print('answered')\n"
                + "        break\n";
        return exchange(server, worker);
    }

    /** Runs {@code server} on the router until it is ready, then {@code worker} on the internet's side. */
    private String exchange(String server, String worker) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", router.name(), "python3", "-c", server)
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());
            CommandResult r = net.internet().exec(Duration.ofSeconds(10), "python3", "-c", worker);
            return r.succeeded() ? r.output().strip() : r.toString();
        } finally {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Rules at any of our preferences (4237-4244), of either family. */
    private static int ours(String rules) {
        return (int) rules.lines().filter(l -> l.matches("\\s*(423[7-9]|424[0-4]):.*")).count();
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
