package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.bridge.route.DefaultRouteFailClosed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LAN to LAN (P9) on a real kernel: two appliances, each a separate JVM in its own namespace with a
 * LAN namespace behind it. Appliance A is configured (CLI, as the UI would store it) to dial B and
 * route B's LAN; on B the account A dials with is a branch office whose LAN B routes back. A host
 * on LAN A then reaches a host on LAN B and back (ping, TCP both ways, byte-identical), and when
 * the WAN link between the routers dies and comes back, A redials on its own and the LANs reach
 * each other again. When A hangs up, B's route to LAN A goes with the tunnel. Both routers run
 * behind the router image's own base firewall and its strict reverse-path filter; A's VPN server is
 * off (but in the default-route test, where a remote worker dials A), so its WAN admits only B's GRE.
 * In the default-route test B is also A's internet (198.51.100.1 on its loopback) and the ISP of
 * that remote worker, whom A reaches by its default route only.
 *
 * <pre>
 *  lanA 10.10.1.2 --- 10.10.1.1 [A] 10.98.0.1 --- wan --- 10.98.0.2 [B] 10.20.1.1 --- 10.20.1.2 lanB
 *                                                                   [B] 203.0.113.1 --- 203.0.113.10 worker
 * </pre>
 */
@Tag("root")
class SiteToSiteNetnsTest {
    private static final String A_WAN = "10.98.0.1";
    private static final String B_WAN = "10.98.0.2";
    private static final String HOST_A = "10.10.1.2";
    private static final String HOST_B = "10.20.1.2";
    private static final String LAN_A = "10.10.1.0/24";
    private static final String LAN_B = "10.20.1.0/24";
    private static final String USER = "branch-a";
    private static final String PASSWORD = "site-to-site-secret";
    /** A remote worker's account on A's own VPN server. */
    private static final String WORKER = "worker";
    private static final String WORKER_PASSWORD = "worker-secret-1";
    /** The remote worker's address on the internet, behind B as its ISP. */
    private static final String WORKER_HOME = "203.0.113.10";
    /** An address on the internet (B's loopback), reached through the office with the default route. */
    private static final String FAR = "198.51.100.1";
    private static final int TRANSFER_BYTES = 8 << 20;
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration STOP = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private Netns a;
    private Netns b;
    private Netns lanA;
    private Netns lanB;
    /** The remote worker's namespace, in the default-route test only. */
    private Netns home;
    private final List<Launched> launched = new ArrayList<>();

    @BeforeEach
    void namespaces() throws IOException {
        a = Netns.create("s2sa");
        b = Netns.create("s2sb");
        lanA = Netns.create("lana");
        lanB = Netns.create("lanb");
        Netns.linkVeth(a, "wan", A_WAN + "/24", b, "wan", B_WAN + "/24");
        Netns.linkVeth(lanA, "lan", HOST_A + "/24", a, "lan", "10.10.1.1/24");
        Netns.linkVeth(lanB, "lan", HOST_B + "/24", b, "lan", "10.20.1.1/24");
        lanA.ip("route", "add", "default", "via", "10.10.1.1");
        lanB.ip("route", "add", "default", "via", "10.20.1.1");
        imageFirewall(a);
        imageFirewall(b);
        imageSysctl(a);
        imageSysctl(b);
    }

    /**
     * The router image's interface settings (image/overlay/etc/sysctl.d/90-homerouter.conf): its
     * strict reverse-path filter among them. Only net.ipv4.conf.*, which a namespace has of its own.
     */
    private static void imageSysctl(Netns router) throws IOException {
        for (String line : java.nio.file.Files.readAllLines(
                Path.of("..", "image", "overlay", "etc", "sysctl.d", "90-homerouter.conf"))) {
            String setting = line.replace(" ", "");
            if (setting.startsWith("net.ipv4.conf.")) {
                // A pattern (net.ipv4.conf.*.send_redirects) is systemd-sysctl's, which sysctl -w does
                // not take: each interface's file of it, as systemd-sysctl writes them.
                String[] kv = setting.split("=", 2);
                CommandResult r = kv[0].contains("*")
                        ? router.exec(Duration.ofSeconds(10), "sh", "-c", "for f in /proc/sys/" + kv[0].replace('.', '/')
                                + "; do echo " + kv[1] + " > \"$f\" || exit 1; done")
                        : router.exec(Duration.ofSeconds(10), "sysctl", "-qw", setting);
                if (!r.succeeded()) {
                    throw new IOException(r.toString());
                }
            }
        }
    }

    /**
     * The router image's own base firewall (image/overlay/etc/nftables.conf: policy drop on input
     * and forward, the WAN admitting only what the appliance opens in wan_pptp), its interface
     * names mapped to this test's: both routers run as on the real image.
     */
    private void imageFirewall(Netns router) throws IOException {
        String conf = java.nio.file.Files.readString(Path.of("..", "image", "overlay", "etc", "nftables.conf"))
                .replace("define WAN = \"eth0\"", "define WAN = \"wan\"")
                .replace("define LAN = \"eth1\"", "define LAN = \"lan\"");
        Path file = dir.resolve(router.name() + "-nftables.conf");
        java.nio.file.Files.writeString(file, conf);
        CommandResult r = router.exec(Duration.ofSeconds(10), "nft", "-f", file.toString());
        if (!r.succeeded()) {
            throw new IOException(r.toString());
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        Launched.killAll(launched, STOP);
        Netns.closeAll(home, lanA, lanB, a, b);
    }

    @Test
    void lanHostsReachEachOtherThroughTheDialOutAndTheTunnelComesBackAfterTheLinkDied() throws Exception {
        Launched serverB = startB();
        Launched routerA = startA();
        routerA.awaitOutput("site-to-site: up to " + B_WAN, START);
        serverB.awaitOutput(LAN_A + " routed into", START);
        String context = routerA.report() + serverB.report();
        assertTrue(a.ip("-4", "route").contains(LAN_B + " dev ppp0"), a.ip("-4", "route") + context);
        assertTrue(b.ip("-4", "route").matches("(?s).*" + LAN_A.replace(".", "\\.") + " dev pptp\\d.*"),
                b.ip("-4", "route") + context);
        assertTrue(routerA.output().contains("MPPE 128-bit stateless"), "the tunnel must be encrypted" + context);
        // The branch's whole LAN arrives on that one device: it has a branch office's connection share.
        assertTrue(branchDevices(b).matches("(?s).*elements = \\{ \"pptp\\d\" }.*"), branchDevices(b) + context);

        assertLansReachEachOther(routerA, serverB);

        // The WAN link dies under the tunnel: A notices by LCP echo (2 s x 3), then finds B
        // unreachable while the link stays down, and must redial by itself once it is back.
        a.ip("link", "set", "wan", "down");
        routerA.awaitOutput("site-to-site tunnel to " + B_WAN + " dropped", START);
        Thread.sleep(3000);
        a.ip("link", "set", "wan", "up");
        long restored = System.nanoTime();
        awaitPing(lanA, HOST_B, Duration.ofSeconds(90), routerA, serverB);
        double reconnect = (System.nanoTime() - restored) / 1e9;
        System.out.printf("SiteToSiteNetnsTest: LAN A reached LAN B again %.1f s after the link came back%n", reconnect);
        assertEquals(2, occurrences(routerA.output(), "site-to-site: up to " + B_WAN),
                "A should have redialed exactly once" + routerA.report());
        assertLansReachEachOther(routerA, serverB);

        // A stops: it hangs up, and B's route to LAN A goes with the tunnel device (its unreachable
        // route stays: LAN A is reached through the tunnel or not at all).
        routerA.process().destroy();
        assertTrue(routerA.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "A ignored SIGTERM" + routerA.report());
        String intoTunnel = "(?s).*" + LAN_A.replace(".", "\\.") + " dev pptp.*";
        long deadline = System.nanoTime() + STOP.toNanos();
        while (System.nanoTime() < deadline && b.ip("-4", "route").matches(intoTunnel)) {
            Thread.sleep(100);
        }
        assertFalse(b.ip("-4", "route").matches(intoTunnel), "B still routes LAN A: " + b.ip("-4", "route") + serverB.report());
        assertTrue(b.ip("-4", "route").contains("unreachable " + LAN_A), b.ip("-4", "route") + serverB.report());
        assertFalse(Eventually.value(() -> branchDevices(b), set -> !set.contains("elements")).contains("elements"),
                "the ended session's device keeps the branch's share: " + branchDevices(b) + serverB.report());
        assertTrue(serverB.process().isAlive(), serverB.report());
    }

    /** The server's set of the devices with a branch office's connection share, as nft lists it. */
    private static String branchDevices(Netns server) throws IOException {
        CommandResult r = server.exec(Duration.ofSeconds(10), "nft", "list", "set", "inet",
                org.homerouter.bridge.firewall.ServerFirewall.TABLE, "branch_devices");
        if (!r.succeeded()) {
            throw new IOException(r.toString());
        }
        return r.output();
    }

    /**
     * While the tunnel is down (here the other side never answers: before the first connection,
     * between redials and while it is unreachable look the same), a LAN's packets for the other
     * LAN must not leave by the router's ordinary default route: they would cross the internet
     * unencrypted. The dial-out's router (A) and the server with the branch account (B) both keep
     * the other LAN unreachable instead.
     */
    @Test
    void whileTheTunnelIsDownNeitherSideSendsTheOtherLansTrafficOutTheWanInClear() throws Exception {
        a.ip("route", "add", "default", "via", B_WAN); // each router's internet route, as on any router
        b.ip("route", "add", "default", "via", A_WAN);
        countLeaks(a, LAN_B);
        countLeaks(b, LAN_A);

        Launched routerA = startA(); // B runs no server yet: A's dial-out keeps failing
        assertTrue(a.ip("-4", "route").contains("unreachable " + LAN_B), a.ip("-4", "route") + routerA.report());
        assertFalse(lanA.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "1", HOST_B).succeeded());
        assertEquals(0, leaks(a), "LAN A's packets for LAN B left A's WAN in clear" + routerA.report());
        assertFalse(routerA.output().contains("site-to-site: up"), routerA.report());
        routerA.process().destroy();
        assertTrue(routerA.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), routerA.report());

        Launched serverB = startB(); // the branch account routes LAN A; A is gone, so no session
        serverB.awaitOutput(LAN_A + " is reached only through its tunnel", START);
        assertTrue(b.ip("-4", "route").contains("unreachable " + LAN_A), b.ip("-4", "route") + serverB.report());
        assertFalse(lanB.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "1", HOST_A).succeeded());
        assertEquals(0, leaks(b), "LAN B's packets for LAN A left B's WAN in clear" + serverB.report());
    }

    /** Counts, in {@code router}, packets for {@code lan} that leave by its WAN ({@link #leaks}). */
    private static void countLeaks(Netns router, String lan) throws IOException {
        CommandResult r = router.exec(Duration.ofSeconds(10), "nft", "add table ip leak; add chain ip leak out "
                + "{ type filter hook postrouting priority 0; }; add rule ip leak out oifname \"wan\" ip daddr "
                + lan + " counter");
        assertTrue(r.succeeded(), r.toString());
    }

    private static long leaks(Netns router) throws IOException {
        String table = router.exec(Duration.ofSeconds(10), "nft", "list", "table", "ip", "leak").output();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("counter packets (\\d+)").matcher(table);
        assertTrue(m.find(), table);
        return Long.parseLong(m.group(1));
    }

    /**
     * Default route through the tunnel: A's LAN reaches an address behind B through the tunnel, the
     * server stays reachable by the main table (HostRoutePin's rules), and a remote worker on the
     * internet still dials A's own VPN server, whose answers must not follow the rest into the
     * office (nor may A refuse the worker's packets from the WAN for that); while the tunnel is down
     * (B gone) A's LAN hears "network unreachable" and nothing of it leaves A's WAN in clear, though
     * A has a default route of its own (by B: the internet here); when A stops both the tunnel's
     * routes and the pin are gone, and the hold stays for the next start.
     */
    @Test
    void defaultRouteSendsEverythingElseThroughTheTunnelAndNothingInClearWhileItIsDown() throws Exception {
        b.ip("addr", "add", FAR + "/32", "dev", "lo");
        a.ip("route", "add", "default", "via", B_WAN);
        // The office's DNS server (B offers it in IPCP), and A's own resolver, which on the image
        // asks the WAN's DNS servers in clear: each answers with its name.
        answerDns(lanB, HOST_B, "office");
        answerDns(a, "10.10.1.1", "router");
        assertEquals("router", lookUp(), "LAN A asks A, as its DHCP tells it to");
        // A LAN host that keeps one source port (a forwarder), asking since before the hold: the
        // nat chain never sees its flow again, conntrack having it.
        assertEquals("router", lookUp(STEADY_PORT));
        Launched serverB = startB();
        assertEquals("router", lookUp(STEADY_PORT), "the flow kept alive until A starts");
        Launched routerA = startA(true, "--default-route");
        routerA.awaitOutput("site-to-site: up to " + B_WAN, START);
        assertTrue(routerA.output().contains("the LAN's DNS (to the office's server " + HOST_B + ")"), routerA.report());
        assertEquals("office", lookUp(), "LAN A's names are looked up through the tunnel" + routerA.report());
        assertEquals("no answer", lookUp(STEADY_PORT), "a flow older than the hold still reached A's resolver");
        String context = routerA.report() + serverB.report();

        // A remote worker at home, beyond A's WAN gateway, dials A's own VPN server, reaches the
        // internet through the office as the LAN does, and LAN B. A's pool is B's too (both on
        // factory settings), and the address B gave A's dial-out is not handed to the worker.
        home = workerAtHome();
        Launched worker = launch("worker", home, WORKER_PASSWORD, "dial", "--server", A_WAN, "--user", WORKER,
                "--password-stdin");
        worker.awaitOutput("\nUP ", START);
        java.util.regex.Matcher up = java.util.regex.Pattern.compile("(?m)^UP device=(\\S+) local=(\\S+) .* dns=(\\S+)$")
                .matcher(worker.output());
        assertTrue(up.find(), worker.report());
        // Its DNS server is A itself, whose firewall sends the queries through the tunnel to the
        // office's: A's own servers are the WAN's, and queries to them left the WAN in clear.
        assertEquals("192.168.250.1", up.group(3), "the worker's DNS server" + worker.report());
        assertEquals("office", lookUp(home, up.group(2), 0, up.group(3)), "the worker's names go through the office");
        String dialOutAddress = a.ip("-4", "-o", "addr", "show", "dev", "ppp0");
        assertFalse(dialOutAddress.contains("inet " + up.group(2) + " "),
                "the worker got the dial-out's own address " + up.group(2) + ": " + dialOutAddress + worker.report());
        home.ip("route", "add", FAR + "/32", "dev", up.group(1));
        home.ip("route", "add", HOST_B + "/32", "dev", up.group(1));
        for (String to : List.of(FAR, HOST_B)) {
            CommandResult viaWorker = home.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "2", to);
            assertTrue(viaWorker.succeeded() && viaWorker.output().contains("3 received"),
                    "the VPN client reaches " + to + " through the office: " + viaWorker + context + worker.report());
        }
        worker.process().destroy();
        assertTrue(worker.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), worker.report());

        // Everything else is the tunnel's own table's default route, not the main table's.
        String everything = a.ip("-4", "route", "show", "table", DefaultRouteFailClosed.TABLE);
        String routes = a.ip("-4", "route");
        context = everything + routes + context;
        assertTrue(everything.contains("default dev ppp0"), context);
        assertFalse(routes.lines().anyMatch(l -> l.startsWith("default dev ppp0") || l.contains("/1 dev ppp0")), context);
        // The server is kept on the main table (HostRoutePin's rule), and so on the WAN.
        String rules = a.ip("-4", "rule", "show");
        context = rules + context;
        assertTrue(rules.contains("4235:\tfrom all to " + B_WAN + " lookup main"), "the server's pin" + context);
        assertTrue(a.ip("-4", "route", "get", B_WAN).contains(" dev wan "), "the server's path" + context);

        // LAN A's traffic for the internet goes through the tunnel, none of it out of A's WAN.
        CommandResult count = a.exec(Duration.ofSeconds(10), "nft", "add table ip toward; add chain ip toward post "
                + "{ type filter hook postrouting priority 0; }; "
                + "add rule ip toward post oifname \"ppp0\" ip saddr " + HOST_A + " ip daddr " + FAR + " counter; "
                + "add rule ip toward post oifname \"wan\" ip saddr " + HOST_A + " ip daddr " + FAR + " counter");
        assertTrue(count.succeeded(), count.toString());
        CommandResult far = lanA.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "2", FAR);
        assertTrue(far.succeeded() && far.output().contains("3 received"), far + context);
        String counted = a.exec(Duration.ofSeconds(10), "nft", "list", "table", "ip", "toward").output();
        assertTrue(counted.matches("(?s).*\"ppp0\".*counter packets 3 .*\"wan\".*counter packets 0 .*"),
                "LAN A's pings: through the tunnel, not out of the WAN:\n" + counted);

        // B goes away: A's tunnel and its default route go, A's own default route is back in force.
        serverB.process().destroy();
        assertTrue(serverB.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "B ignored SIGTERM" + serverB.report());
        long deadline = System.nanoTime() + START.toNanos();
        while (!everythingElse().isBlank() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals("", everythingElse(), "the tunnel stayed up" + routerA.report());
        // What arrives at B's WAN in clear from LAN A, counted before B's firewall sees it.
        Path leakRules = dir.resolve("leak.nft");
        java.nio.file.Files.writeString(leakRules, "add table ip leak\n"
                + "add chain ip leak pre { type filter hook prerouting priority -300; }\n"
                + "add rule ip leak pre iifname \"wan\" ip saddr " + HOST_A + " counter\n");
        CommandResult counter = b.exec(Duration.ofSeconds(10), "nft", "-f", leakRules.toString());
        assertTrue(counter.succeeded(), counter.toString());
        CommandResult down = lanA.exec(Duration.ofSeconds(20), "ping", "-c", "2", "-W", "2", FAR);
        assertTrue(!down.succeeded() && down.output().contains("Destination Net Unreachable"),
                "LAN A must hear that the tunnel is down: " + down + routerA.report());
        String leaked = b.exec(Duration.ofSeconds(10), "nft", "list", "table", "ip", "leak").output();
        assertTrue(leaked.contains("counter packets 0 "), "LAN A's packets left A's WAN in clear:\n" + leaked);
        assertEquals("no answer", lookUp(), "A's resolver answered LAN A (from the WAN's DNS) with the tunnel down"
                + routerA.report());

        routerA.process().destroy();
        assertTrue(routerA.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "A ignored SIGTERM" + routerA.report());
        String after = a.ip("-4", "route");
        assertFalse(!everythingElse().isBlank() || after.lines().anyMatch(l -> l.startsWith(B_WAN + " ")),
                "A left tunnel routes behind:\n" + after + everythingElse() + routerA.report());
        rules = a.ip("-4", "rule", "show");
        assertFalse(rules.contains(" to " + B_WAN + " "), "A left the server's pin behind:\n" + rules);
        assertTrue(rules.contains("unreachable"), "a restart must not open the window either:\n" + rules);
        assertEquals("no answer", lookUp(), "A's resolver answered LAN A after the service stopped");
        // Nor a reboot: the router image's homerouter-hold puts back, before the network comes up,
        // what this file says (BootHoldTest runs it).
        String hold = java.nio.file.Files.readString(dir.resolve("a").resolve("boot-hold"));
        assertTrue(hold.contains("\nunreachable " + LAN_B + "\n") && hold.contains("\ndefault-route-held\n"), hold);

        // Site-to-site switched off, and the service started where its data plane cannot run (no
        // CAP_NET_RAW for its raw GRE socket): what was held is lifted all the same, or LAN A would
        // reach nothing beyond the router until the data plane worked again.
        try (ApplianceStore store = ApplianceStore.open(dir.resolve("a").resolve("appliance.db"))) {
            store.putSettings(Map.of(Setting.DIALOUT_ENABLED, "false"));
        }
        List<String> withoutRaw = new ArrayList<>(Launched.appliance(a, "run", "--data-dir", dir.resolve("a").toString(),
                "--ui-port", "18080"));
        withoutRaw.addAll(4, List.of("setpriv", "--bounding-set", "-net_raw", "--"));
        Launched crippled = Launched.start("a-no-raw", withoutRaw, null, dir);
        launched.add(crippled);
        crippled.awaitOutput("web UI on http", START);
        assertTrue(crippled.output().contains("Linux data plane unavailable: no CAP_NET_RAW"),
                "the data plane ran after all" + crippled.report());
        String rulesAfter = a.ip("-4", "rule", "show");
        String unreachable = a.ip("-4", "route", "show", "type", "unreachable");
        assertFalse(rulesAfter.contains("unreachable") || unreachable.contains(LAN_B),
                "still held with site-to-site off:\n" + rulesAfter + unreachable + crippled.report());
        assertEquals("router", lookUp(), "LAN A's DNS still held with site-to-site off" + crippled.report());
    }

    /** A's routes in the tunnel's own table (its default route while the tunnel is up). */
    private String everythingElse() throws IOException {
        return a.ip("-4", "route", "show", "table", DefaultRouteFailClosed.TABLE).strip();
    }

    /**
     * The remote worker's home on the internet: B is its ISP, forwarding between it and A (which
     * the image's firewall on B would not: B stands in for the internet here) without masquerading,
     * so that A sees the worker's own address, reached by A's default route only.
     */
    private Netns workerAtHome() throws IOException {
        Netns ns = Netns.create("s2sw");
        Netns.linkVeth(b, "isp", "203.0.113.1/24", ns, "wan", WORKER_HOME + "/24");
        ns.ip("route", "add", "default", "via", "203.0.113.1");
        CommandResult isp = b.exec(Duration.ofSeconds(10), "nft",
                "add rule inet homerouter forward iifname \"isp\" oifname \"wan\" accept; "
                + "add rule inet homerouter forward iifname \"wan\" oifname \"isp\" accept; "
                + "insert rule inet homerouter postrouting iifname \"isp\" accept");
        assertTrue(isp.succeeded(), isp.toString());
        return ns;
    }

    /** A stand-in DNS server on {@code address} port 53 (UDP) in {@code ns}: it answers every query with {@code name}. */
    private void answerDns(Netns ns, String address, String name) throws Exception {
        String py = "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "s.bind(('" + address + "', 53))\n"
                + "print('ready', flush=True)\n"
                + "while True:\n"
                + "    q, peer = s.recvfrom(512)\n"
                + "    s.sendto(b'" + name + "', peer)\n";
        Launched l = Launched.start("dns-" + name, List.of("ip", "netns", "exec", ns.name(), "python3", "-c", py), null, dir);
        launched.add(l);
        l.awaitOutput("ready", Duration.ofSeconds(10));
    }

    /** A LAN host's source port for DNS that stays the same from query to query. */
    private static final int STEADY_PORT = 5353;

    /** LAN A asks its DNS server, A's LAN address: who answers, or "no answer" within 2 s. */
    private String lookUp() throws IOException {
        return lookUp(0);
    }

    /** As {@link #lookUp()}, from {@code sourcePort} (0: a new one). */
    private String lookUp(int sourcePort) throws IOException {
        String py = "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                + "s.bind(('" + HOST_A + "', " + sourcePort + "))\n"
                + "s.settimeout(2)\n"
                + "s.sendto(b'query', ('10.10.1.1', 53))\n"
                + "try:\n"
                + "    print(s.recv(512).decode())\n"
                + "except OSError:\n"
                + "    print('no answer')\n";
        CommandResult r = lanA.exec(Duration.ofSeconds(10), "python3", "-c", py);
        assertTrue(r.succeeded(), r.toString());
        return r.output().strip();
    }

    /** As {@link #lookUp(int)}, from {@code source} in {@code ns} to the DNS server {@code server}. */
    private static String lookUp(Netns ns, String source, int sourcePort, String server) throws IOException {
        String py = "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "s.bind(('" + source + "', " + sourcePort + "))\n"
                + "s.settimeout(2)\n"
                + "s.sendto(b'query', ('" + server + "', 53))\n"
                + "try:\n"
                + "    print(s.recv(512).decode())\n"
                + "except OSError:\n"
                + "    print('no answer')\n";
        CommandResult r = ns.exec(Duration.ofSeconds(10), "python3", "-c", py);
        assertTrue(r.succeeded(), r.toString());
        return r.output().strip();
    }

    private void assertLansReachEachOther(Launched routerA, Launched serverB) throws Exception {
        String context = routerA.report() + serverB.report();
        CommandResult there = lanA.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "2", HOST_B);
        assertTrue(there.succeeded() && there.output().contains("3 received"), there + context);
        CommandResult back = lanB.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "2", HOST_A);
        assertTrue(back.succeeded() && back.output().contains("3 received"), back + context);
        for (Netns[] pair : List.of(new Netns[] {lanA, lanB}, new Netns[] {lanB, lanA})) {
            String to = pair[1] == lanB ? HOST_B : HOST_A;
            NetnsTransfer.Transfer t = NetnsTransfer.transfer(pair[0], pair[1], to, 5002, TRANSFER_BYTES, Duration.ofSeconds(120));
            assertEquals(TRANSFER_BYTES, t.received(), "bytes " + pair[0] + " -> " + pair[1] + context);
            assertEquals(t.sentSha256(), t.receivedSha256(), "the stream arrived altered" + context);
            System.out.printf("SiteToSiteNetnsTest: %d MiB %s -> %s in %.2f s%n", TRANSFER_BYTES >> 20,
                    pair[0] == lanA ? "LAN A" : "LAN B", pair[1] == lanA ? "LAN A" : "LAN B", t.nanos() / 1e9);
        }
    }

    private static void awaitPing(Netns from, String to, Duration timeout, Launched... logs) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (from.exec(Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", to).succeeded()) {
                return;
            }
        }
        StringBuilder context = new StringBuilder();
        for (Launched l : logs) {
            context.append(l.report());
        }
        throw new AssertionError(to + " unreachable from " + from + " for " + timeout.toSeconds() + " s" + context);
    }

    private static int occurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------ the two routers

    /** B: the branch-office account with LAN A behind it (CLI), fast LCP echoes, then {@code run}. */
    private Launched startB() throws Exception {
        Path data = dir.resolve("b");
        Launched add = launch("b-user-add", b, PASSWORD, "user", "add", USER, "--password-stdin", "--routed-subnet",
                LAN_A, "--data-dir", data.toString());
        assertEquals(0, add.awaitExit(START), add.report());
        // Refused with a clear message: LAN B is B's own LAN.
        Launched overlap = launch("b-user-overlap", b, null, "user", "subnets", USER, LAN_B, "--data-dir", data.toString());
        assertEquals(2, overlap.awaitExit(START), overlap.report());
        assertTrue(overlap.output().contains("error: " + LAN_B + " overlaps this router's LAN " + LAN_B + " on lan"),
                overlap.report());
        try (ApplianceStore store = ApplianceStore.open(data.resolve("appliance.db"))) {
            // B notices the dead link as quickly as A does, as a real peer with short echoes would.
            store.putSettings(Map.of(Setting.PPTP_LCP_ECHO_INTERVAL, "2"));
            // The office's DNS server, offered to its VPN clients (RFC 1877).
            store.putSettings(Map.of(Setting.PPTP_DNS_PRIMARY, HOST_B));
        }
        Launched server = launch("b", b, null, "run", "--data-dir", data.toString(), "--ui-port", "18080");
        server.awaitOutput("PPTP control listening on", START);
        return server;
    }

    /** A: the dial-out to B routing LAN B (CLI, password on stdin), then {@code run}. */
    private Launched startA(String... extra) throws Exception {
        return startA(false, extra);
    }

    /** @param vpnServer whether A's VPN server runs too, with the account {@link #WORKER} */
    private Launched startA(boolean vpnServer, String... extra) throws Exception {
        Path data = dir.resolve("a");
        if (vpnServer) {
            Launched add = launch("a-user-add", a, WORKER_PASSWORD, "user", "add", WORKER, "--password-stdin",
                    "--data-dir", data.toString());
            assertEquals(0, add.awaitExit(START), add.report());
        }
        Launched loop = launch("a-dialout-loop", a, null, "dialout", "--server", B_WAN, "--subnets", "10.98.0.0/16",
                "--data-dir", data.toString());
        assertEquals(2, loop.awaitExit(START), loop.report());
        assertTrue(loop.output().contains("error: the server " + B_WAN + " lies inside 10.98.0.0/16"),
                loop.report());
        List<String> args = new ArrayList<>(List.of("dialout", "--server", B_WAN, "--user", USER, "--password",
                "--password-stdin", "--subnets", LAN_B, "--lcp-echo-interval", "2", "--enable", "--data-dir",
                data.toString()));
        args.addAll(List.of(extra));
        Launched set = launch("a-dialout", a, PASSWORD, args.toArray(String[]::new));
        assertEquals(0, set.awaitExit(START), set.report());
        assertTrue(set.output().contains("dial-out on: server " + B_WAN + ", user " + USER + ", password set"),
                set.report());
        try (ApplianceStore store = ApplianceStore.open(data.resolve("appliance.db"))) {
            // A dials out only: its WAN must then admit GRE from B by itself (no server port open).
            store.putSettings(Map.of(Setting.PPTP_ENABLED, Boolean.toString(vpnServer)));
        }
        Launched router = launch("a", a, null, "run", "--data-dir", data.toString(), "--ui-port", "18080");
        router.awaitOutput("web UI on http", START);
        return router;
    }

    private Launched launch(String name, Netns ns, String stdin, String... args) throws IOException {
        Launched l = Launched.start(name, Launched.appliance(ns, args), stdin, dir);
        launched.add(l);
        return l;
    }
}
