package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.homerouter.bridge.alg.GreNatRules;
import org.homerouter.bridge.alg.InboundPptpForward;
import org.homerouter.bridge.alg.ConntrackNatAddress;
import org.homerouter.bridge.alg.PassthroughAlg;
import org.homerouter.bridge.alg.RouteSourceAddress;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.alg.GreMapping;
import org.homerouter.pptp.alg.RouterCallIds;
import org.homerouter.pptp.alg.TrackedCallView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The passthrough ALG between real namespaces (root): two LAN clients ({@code lan1}, {@code lan2},
 * each the engine's own {@code dial} in its own JVM and namespace, because each tunnel installs
 * the same peer route), a {@code router} that masquerades to the WAN with the kernel's PPTP helper
 * not attached and runs {@link PassthroughAlg}, and a PPTP server (the appliance's {@code run}) in
 * {@code wan}. Both clients use Call ID 7 towards the same server at once.
 */
@Tag("root")
class PassthroughNetnsTest {
    private static final String SERVER = "10.77.0.1";
    /** The same server on a second address, reached through the router's site-to-site device (ppp*). */
    private static final String OFFICE_SERVER = "10.78.0.1";
    private static final String ROUTER_WAN = "10.77.0.2";
    private static final String TUNNEL_SERVER = "192.168.250.1";
    private static final int CALL_ID = 7;
    private static final String PASSWORD = "passthrough-test-password";
    private static final Duration START = Duration.ofSeconds(40);
    private static final Duration STOP = Duration.ofSeconds(15);
    private static final int QUEUE = 23;

    @TempDir
    Path dir;

    private Netns wan;
    private Netns router;
    private Netns lan1;
    private Netns lan2;
    private PassthroughAlg alg;
    private final List<Launched> launched = new ArrayList<>();
    /** Namespaces a test makes beyond the four above. */
    private final List<Netns> more = new ArrayList<>();


    @BeforeEach
    void namespaces() throws IOException {
        wan = Netns.create("wan");
        router = Netns.create("rtr");
        lan1 = Netns.create("lan1");
        lan2 = Netns.create("lan2");
        Netns.linkVeth(wan, "veth0", SERVER + "/24", router, "wan", ROUTER_WAN + "/24");
        Netns.linkVeth(lan1, "veth0", "10.77.1.2/24", router, "lan1", "10.77.1.1/24");
        Netns.linkVeth(lan2, "veth0", "10.77.2.2/24", router, "lan2", "10.77.2.1/24");
        lan1.ip("route", "add", "default", "via", "10.77.1.1");
        lan2.ip("route", "add", "default", "via", "10.77.2.1");
        require(router.exec(Duration.ofSeconds(10), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"));
        // A home router's NAT: everything leaving on the WAN side gets the router's address.
        require(router.exec(Duration.ofSeconds(10), "nft", "add", "table", "ip", "nat"));
        require(router.exec(Duration.ofSeconds(10), "nft", "add chain ip nat post { type nat hook postrouting priority srcnat; }"));
        require(router.exec(Duration.ofSeconds(10), "nft", "add", "rule", "ip", "nat", "post", "oifname", "wan", "masquerade"));
    }

    /**
     * The router was killed while passthrough ran (no shutdown hook: kill -9, or the exit on
     * OutOfMemoryError) and starts again with passthrough off: the NFQUEUE rule it left, with no
     * reader behind it, would drop the LAN's PPTP control traffic for good. The start removes it.
     */
    @Test
    void aRouterStartedWithPassthroughOffRemovesTheQueueRuleAKilledRunLeft() throws Exception {
        Duration t = Duration.ofSeconds(10);
        require(router.exec(t, "iptables", "-w", "-t", "mangle", "-N", "HR_PPTP_ALG"));
        require(router.exec(t, "iptables", "-w", "-t", "mangle", "-A", "HR_PPTP_ALG", "-p", "tcp", "-j", "NFQUEUE",
                "--queue-num", Integer.toString(QUEUE)));
        require(router.exec(t, "iptables", "-w", "-t", "mangle", "-I", "FORWARD", "-p", "tcp", "-j", "HR_PPTP_ALG"));
        Launched routerRun = launch("router", router, null, "run", "--data-dir", dir.resolve("router-data").toString(),
                "--pptp-port", "1723", "--ui-port", "18081");
        awaitOutput(routerRun, "web UI on http");
        CommandResult mangle = router.exec(t, "iptables", "-w", "-t", "mangle", "-S");
        require(mangle);
        assertFalse(mangle.output().contains("HR_PPTP_ALG"), mangle.output() + routerRun.report());
    }

    @AfterEach
    void cleanUp() throws Exception {
        Launched.killAll(launched, STOP);
        if (alg != null) {
            alg.close();
        }
        Netns.closeAll(more.toArray(Netns[]::new));
        Netns.closeAll(lan1, lan2, router, wan);
    }

    /**
     * The router image's own base firewall (image/overlay/etc/nftables.conf, policy drop on
     * forward, its masquerade) in the router namespace, its WAN and LAN names mapped to this test's:
     * passthrough must work behind it as on the real router, not just behind an open test NAT.
     */
    private void imageFirewall() throws IOException {
        String conf = java.nio.file.Files.readString(Path.of("..", "image", "overlay", "etc", "nftables.conf"))
                .replace("define WAN = \"eth0\"", "define WAN = \"wan\"")
                .replace("define LAN = \"eth1\"", "define LAN = { \"lan1\", \"lan2\" }");
        Path file = dir.resolve("nftables.conf");
        java.nio.file.Files.writeString(file, conf);
        require(router.exec(Duration.ofSeconds(10), "nft", "-f", file.toString()));
    }

    @Test
    void twoClientsWithTheSameCallIdHoldTunnelsToOneServerAtOnceAndHangUpsRemoveTheirRules() throws Exception {
        imageFirewall();
        CommandResult helper = router.exec(Duration.ofSeconds(10), "sysctl", "-n", "net.netfilter.nf_conntrack_helper");
        assertTrue(!helper.succeeded() || helper.output().trim().equals("0"),
                "the kernel must not attach its own PPTP helper automatically: " + helper);
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE);
        Launched server = startServer(wan);

        Launched dial1 = dial("dial1", lan1, "alice");
        Launched dial2 = dial("dial2", lan2, "bob");
        String context = server.report() + dial1.report() + dial2.report();

        List<GreMapping> mappings = alg.rules().mappings();
        assertEquals(2, mappings.size(), "one GRE NAT per call" + context);
        Inet4Address publicAddress = (Inet4Address) InetAddress.getByName(ROUTER_WAN);
        for (GreMapping m : mappings) {
            assertEquals(CALL_ID, m.clientCallId(), "both clients use the same Call ID" + context);
            assertEquals(publicAddress, m.publicAddress());
            assertEquals(InetAddress.getByName(SERVER), m.server());
        }
        assertNotEquals(mappings.get(0).natCallId(), mappings.get(1).natCallId(), "distinct NAT call IDs" + context);
        assertNotEquals(mappings.get(0).serverCallId(), mappings.get(1).serverCallId());
        assertEquals(8, countRules(), nftAlgTable());

        // Both tunnels carry traffic at the same time.
        assertPings(lan1, context);
        assertPings(lan2, context);
        alg.refresh();
        List<TrackedCallView> calls = alg.calls();
        assertEquals(2, calls.size(), calls.toString());
        for (TrackedCallView c : calls) {
            assertTrue(c.bytesToClient() > 0 && c.bytesToServer() > 0,
                    "GRE went through the kernel rules both ways: " + c + "\n" + nftAlgTable());
        }
        System.out.println("PassthroughNetnsTest: tracked calls " + calls);

        // The ruleset flushed from under the ALG, as "systemctl restart nftables" does (its
        // configuration starts with "flush ruleset"): the queue rule, the table and both calls'
        // rules are back after the next refresh, and both tunnels carry traffic again.
        require(router.exec(Duration.ofSeconds(10), "nft", "flush", "ruleset"));
        imageFirewall();
        alg.refresh();
        assertEquals(8, countRules(), nftAlgTable());
        assertTrue(router.exec(Duration.ofSeconds(10), "iptables", "-t", "mangle", "-S").output().contains("NFQUEUE"),
                "the queue rule is back");
        assertPings(lan1, context);
        assertPings(lan2, context);
        long[] counts = alg.segmentCounts();
        System.out.printf("PassthroughNetnsTest: control segments queued %d, rewritten %d, dropped %d%n",
                counts[0], counts[1], counts[2]);

        // Client 1 hangs up: its rules go, client 2's tunnel keeps working.
        hangUp(dial1);
        assertEquals(1, alg.rules().size(), "client 1's rules removed" + nftAlgTable());
        assertEquals(4, countRules(), nftAlgTable());
        assertEquals(InetAddress.getByName("10.77.2.2"), alg.rules().mappings().getFirst().client());
        assertPings(lan2, dial2.report());

        hangUp(dial2);
        assertEquals(0, alg.rules().size(), nftAlgTable());
        assertEquals(0, countRules(), nftAlgTable());
        assertTrue(alg.calls().isEmpty(), alg.calls().toString());

        alg.close();
        alg = null;
        CommandResult tables = router.exec(Duration.ofSeconds(10), "nft", "list", "tables");
        assertTrue(!tables.output().contains(GreNatRules.TABLE), "the ALG's table removed: " + tables);
        CommandResult queueRules = router.exec(Duration.ofSeconds(10), "iptables", "-t", "mangle", "-S");
        assertTrue(!queueRules.output().contains("NFQUEUE"), "the queue rules removed: " + queueRules);
    }

    /**
     * The router's VPN clients (its devices are pptp*) calling PPTP servers outside: one over the
     * WAN, one through the site-to-site tunnel (its device is ppp*), both masqueraded by the image's
     * firewall and so translated by the ALG like a LAN host's calls. The server's GRE must reach
     * them behind the image's forward policy: before, both calls connected and then died in LCP,
     * their GRE dropped in forward while the ALG's counters showed it flowing toward them.
     */
    @Test
    void vpnClientsCallingServersOverTheWanAndThroughTheSiteToSiteTunnelGetTheirGre() throws Exception {
        Netns overWan = more(Netns.create("vpn1"));
        Netns overTunnel = more(Netns.create("vpn2"));
        Netns.linkVeth(overWan, "veth0", "10.77.3.2/24", router, "pptp9", "10.77.3.1/24");
        Netns.linkVeth(overTunnel, "veth0", "10.77.4.2/24", router, "pptp8", "10.77.4.1/24");
        Netns.linkVeth(wan, "veth1", OFFICE_SERVER + "/24", router, "ppp9", "10.78.0.2/24");
        overWan.ip("route", "add", "default", "via", "10.77.3.1");
        overTunnel.ip("route", "add", "default", "via", "10.77.4.1");
        imageFirewall();
        // As the appliance fills it while its VPN server runs: only its clients may use the tunnel.
        require(router.exec(Duration.ofSeconds(10), "nft", "add", "element", "inet", "homerouter", "vpn_clients",
                "{ 10.77.3.2, 10.77.4.2 }"));
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE);
        Launched server = startServer(wan);

        Launched viaWan = dial("dial-wan", overWan, "alice", SERVER);
        Launched viaTunnel = dial("dial-tunnel", overTunnel, "bob", OFFICE_SERVER);
        String context = server.report() + viaWan.report() + viaTunnel.report();
        assertEquals(2, alg.rules().size(), "both calls translated" + context);
        assertEquals(java.util.Set.of(InetAddress.getByName(ROUTER_WAN), InetAddress.getByName("10.78.0.2")),
                java.util.Set.copyOf(alg.rules().mappings().stream().map(GreMapping::publicAddress).toList()),
                "each from the address its device masquerades to" + context);
        assertPings(overWan, context);
        assertPings(overTunnel, context);
        hangUp(viaWan);
        hangUp(viaTunnel);
    }

    private Netns more(Netns ns) {
        more.add(ns);
        return ns;
    }

    /**
     * An office router with two WAN addresses that NATs its LAN to the second ('snat to', as for a
     * block of static addresses), while its route's source is the first: the call's GRE must leave
     * from the address the control connection was NATed to (the kernel's conntrack entry), or the
     * server takes it for another host's and the tunnel never comes up.
     */
    @Test
    void aCallsGreLeavesFromTheAddressTheLanIsNatedToNotTheRoutesSource() throws Exception {
        String natAddress = "10.77.0.3";
        require(router.exec(Duration.ofSeconds(10), "ip", "address", "add", natAddress + "/24", "dev", "wan"));
        require(router.exec(Duration.ofSeconds(10), "nft", "flush", "chain", "ip", "nat", "post"));
        require(router.exec(Duration.ofSeconds(10), "nft", "add", "rule", "ip", "nat", "post", "oifname", "wan",
                "snat", "to", natAddress));
        RouteSourceAddress routeSource = new RouteSourceAddress(router.name());
        assertEquals(InetAddress.getByName(ROUTER_WAN), routeSource.publicAddressFor((Inet4Address) InetAddress.getByName(SERVER)),
                "the route's source is the first address");
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE);
        Launched server = startServer(wan);
        Launched dial = dial("dial1", lan1, "alice");
        String context = server.report() + dial.report();
        List<GreMapping> mappings = alg.rules().mappings();
        assertEquals(1, mappings.size(), context);
        assertEquals(InetAddress.getByName(natAddress), mappings.getFirst().publicAddress(), context);
        assertPings(lan1, context);
        hangUp(dial);
    }

    /**
     * The WAN gets a new address (a DHCP renewal to another): the call NATed to the old one ends at
     * the first refresh after the grace, its GRE NAT rules removed. Before, the rules sent the
     * client's GRE out from the old address, which may be another customer's now, and the call
     * stayed listed for as long as its client's TCP retried.
     */
    @Test
    void aCallWhosePublicAddressLeftTheWanEndsAtTheNextRefresh() throws Exception {
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE);
        Launched server = startServer(wan);
        Launched dial = dial("dial1", lan1, "alice");
        String context = server.report() + dial.report();
        assertEquals(1, alg.calls().size(), context);
        assertEquals(4, countRules(), nftAlgTable());
        alg.refresh(); // the router seen holding the call's address (one it never held is not its to lose)

        require(router.exec(Duration.ofSeconds(10), "ip", "address", "del", ROUTER_WAN + "/24", "dev", "wan"));
        require(router.exec(Duration.ofSeconds(10), "ip", "address", "add", "10.77.0.4/24", "dev", "wan"));
        alg.refresh();
        assertEquals(1, alg.calls().size(), "kept within the grace (a lease dropped and got again)" + context);
        Thread.sleep(11_000); // the grace (AddressesGone.GRACE, 10 s: another address in its place) and a second
        alg.refresh();
        assertTrue(alg.calls().isEmpty(), alg.calls() + context);
        assertEquals(0, alg.rules().size(), nftAlgTable());
        assertEquals(0, countRules(), nftAlgTable());
    }

    /**
     * The service restarted mid-call (an upgrade, the watchdog, nftables restarted): the new ALG
     * meets the call's control connection mid-stream, knowing none of its calls, whose NAT IDs and
     * GRE rules went with the old one. At the connection's next segment (here the client's
     * Echo-Request, every 2 s of quiet) it is reset, and the client knows within seconds that it
     * must dial again, which works. Before, the client stayed "connected" with no GRE coming back
     * until a keepalive gave up, and the event log said nothing.
     */
    @Test
    void afterARestartAStrandedCallsControlConnectionIsResetAndItsClientDialsAgain() throws Exception {
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE);
        Launched server = startServer(wan);
        Launched dial = dial("dial1", lan1, "alice", SERVER, "--control-echo", "2");
        String context = server.report() + dial.report();
        assertPings(lan1, context);

        alg.close();
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE,
                true);
        List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        alg.onProblem(problems::add);
        dial.awaitExit(Duration.ofSeconds(20)); // it prints DOWN and exits when its connection ends
        assertTrue(dial.output().contains("\nDOWN "), dial.report());
        assertEquals(1, alg.tracker().connectionsResetAfterPickUp(), dial.report());
        alg.refresh();
        assertTrue(problems.stream().anyMatch(p -> p.contains("1 passthrough connection(s) picked up after a restart"
                + " were reset")), problems.toString());

        Launched again = dial("dial2", lan1, "alice");
        assertPings(lan1, server.report() + again.report());
        assertEquals(1, alg.calls().size(), "the new call tracked" + alg.calls());
        hangUp(again);
    }

    /**
     * As above, but the server's reply to the client's Echo-Request is lost in the restart (the
     * old ALG's queue drops what it holds at its stop; here a rule on the router drops the
     * server's segments until the new ALG has met the connection): the first segment the new
     * ALG sees is the client's retransmission, which the server has, so the RST in its place is
     * below the server's RCV.NXT and dropped unanswered. The server's own retransmission must
     * then reset the client. Before, it was stripped like every later segment: both ends kept the
     * connection and the client's dial stayed up, its GRE going nowhere (the CI run that failed
     * with no DOWN within 20 s).
     */
    @Test
    void afterARestartAStrandedCallsClientIsResetAlsoWhenTheServersReplyWasLostInTheRestart() throws Exception {
        Duration t = Duration.ofSeconds(10);
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE);
        Launched server = startServer(wan);
        Launched dial = dial("dial1", lan1, "alice", SERVER, "--control-echo", "2");
        String context = server.report() + dial.report();
        assertPings(lan1, context);

        alg.close();
        // Before the ALG's queue rule (mangle, priority -150).
        require(router.exec(t, "nft", "add table ip lost"));
        require(router.exec(t, "nft", "add chain ip lost forward { type filter hook forward priority -200; }"));
        require(router.exec(t, "nft", "add rule ip lost forward ip saddr " + SERVER + " tcp sport 1723 counter drop"));
        awaitTrue(() -> !router.exec(t, "nft", "list table ip lost").output().contains("packets 0 "),
                Duration.ofSeconds(10), "the server's reply to the client's next Echo-Request dropped");
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE,
                true);
        // The client's retransmission (its RTO doubling from 200 ms) met and reset toward the server.
        awaitTrue(() -> alg.tracker().connectionsResetAfterPickUp() == 1, Duration.ofSeconds(20),
                "the client's retransmission met");
        require(router.exec(t, "nft", "delete table ip lost"));
        // The server's next retransmission: its RTO doubled as often as the client's, up to 12.8 s.
        dial.awaitExit(Duration.ofSeconds(30));
        assertTrue(dial.output().contains("\nDOWN "), dial.report() + nftAlgTable());

        Launched again = dial("dial2", lan1, "alice");
        assertPings(lan1, server.report() + again.report());
        hangUp(again);
    }

    /**
     * "My laptop can't reach the office VPN": the office's firewall passes TCP 1723 but drops the
     * GRE it sends (here, an output rule at the server). The LAN client's call connects and dies in
     * LCP; the router's event log then says which way the GRE failed and where to look, with the
     * device's address, from the real kernel counters of the call's NAT rules.
     */
    @Test
    void aCallWhoseServersGreNeverComesBackIsToldWithTheWayItFailed() throws Exception {
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE);
        List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        alg.onProblem(problems::add);
        Launched server = startServer(wan);
        require(wan.exec(Duration.ofSeconds(10), "nft", "add table inet officefw"));
        require(wan.exec(Duration.ofSeconds(10), "nft", "add chain inet officefw out { type filter hook output priority 0; }"));
        require(wan.exec(Duration.ofSeconds(10), "nft", "add rule inet officefw out ip protocol gre drop"));

        Launched dial = launch("dial1", lan1, PASSWORD, "dial", "--server", SERVER, "--user", "alice",
                "--password-stdin", "--mppe", "require-128", "--call-id", Integer.toString(CALL_ID));
        dial.awaitExit(Duration.ofSeconds(90)); // LCP gives up, the call is cleared
        alg.refresh();
        String context = problems + server.report() + dial.report();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("passthrough: 10.77.1.2's VPN call to " + SERVER
                + " ended with no GRE back from the server in ") && p.contains("something beyond this router drops GRE")),
                context);
    }

    /**
     * As above, the whole service as the router, restarted as systemd restarts it (SIGTERM, then a
     * new run): it starts its ALG with passthrough on, so the call's control connection met
     * mid-stream is reset and its client dials again within seconds.
     */
    @Test
    void theServiceRestartedMidCallResetsTheCallsControlConnection() throws Exception {
        Path routerData = dir.resolve("router-data");
        java.nio.file.Files.createDirectories(routerData);
        try (org.homerouter.appliance.store.ApplianceStore store =
                     org.homerouter.appliance.store.ApplianceStore.open(routerData.resolve("appliance.db"))) {
            store.putSettings(java.util.Map.of(org.homerouter.appliance.store.Setting.PASSTHROUGH_ENABLED, "true"));
        }
        Launched server = startServer(wan);
        String[] run = {"run", "--data-dir", routerData.toString(), "--pptp-port", "1723", "--ui-port", "18081"};
        Launched first = launch("router1", router, null, run);
        awaitOutput(first, "PPTP passthrough on");
        Launched dial = dial("dial1", lan1, "alice", SERVER, "--control-echo", "2");
        assertPings(lan1, server.report() + dial.report() + first.report());

        first.process().destroy();
        assertTrue(first.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), first.report());
        Launched second = launch("router2", router, null, run);
        awaitOutput(second, "PPTP passthrough on");
        dial.awaitExit(Duration.ofSeconds(20));
        assertTrue(dial.output().contains("\nDOWN "), dial.report());
        assertTrue(second.output().contains("met mid-stream after a restart"), second.report());

        Launched again = dial("dial2", lan1, "alice");
        assertPings(lan1, server.report() + again.report() + second.report());
        hangUp(again);
        second.process().destroy();
        assertTrue(second.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), second.report());
        try (org.homerouter.appliance.store.ApplianceStore store =
                     org.homerouter.appliance.store.ApplianceStore.open(routerData.resolve("appliance.db"))) {
            var problems = store.events(50, "problem");
            assertTrue(problems.stream().anyMatch(e -> e.message().contains(
                    "1 passthrough connection(s) picked up after a restart were reset")), problems.toString());
        }
    }

    @Test
    void aPptpServerInTheLanIsReachableFromTheWanThroughTheInboundForward() throws Exception {
        imageFirewall();
        // The ALG runs too: the forwarded connection is not masqueraded, so it must leave it alone.
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE);
        try (InboundPptpForward forward = new InboundPptpForward(router.name())) {
            forward.apply((Inet4Address) InetAddress.getByName("10.77.1.2"));
            Launched server = startServer(lan1);
            // The remote client dials the router's public address.
            Launched dial = launch("dial-wan", wan, PASSWORD, "dial", "--server", ROUTER_WAN, "--user", "alice",
                    "--password-stdin", "--mppe", "require-128");
            awaitOutput(dial, "\nUP ");
            assertPings(wan, server.report() + dial.report());
            assertTrue(alg.calls().isEmpty(), "the ALG did not track the forwarded connection: " + alg.calls());
            assertEquals(0, alg.segmentCounts()[0], "no forwarded segment was queued");
            hangUp(dial);
        }
        CommandResult tables = router.exec(Duration.ofSeconds(10), "nft", "list", "tables");
        assertTrue(!tables.output().contains(InboundPptpForward.TABLE), "the forward's table removed: " + tables);
    }

    /**
     * The owner moves the inbound forward to another LAN server, and later removes it: the caller
     * connected through it is cut off each time (its control connection reset, so its dial goes
     * DOWN), where its conntrack entry's old DNAT kept it on the old server before. The first cut
     * goes through the new DNAT (forward chain), the second to the router itself (input chain).
     */
    @Test
    void callersThroughAnInboundForwardThatIsMovedOrRemovedAreCutOff() throws Exception {
        imageFirewall();
        Inet4Address lanServer = (Inet4Address) InetAddress.getByName("10.77.1.2");
        try (InboundPptpForward forward = new InboundPptpForward(router.name())) {
            forward.apply(lanServer);
            Launched server = startServer(lan1);
            Launched first = wanDial("dial-wan1", "alice");
            forward.apply((Inet4Address) InetAddress.getByName("10.77.2.2")); // moved: nobody serves there
            first.awaitExit(Duration.ofSeconds(15)); // its echo every 2 s meets the reset
            assertTrue(first.output().contains("\nDOWN "), first.report() + server.report());
            assertEquals(List.of(SERVER), forward.lastEnded().callers(), forward.lastEnded().toString());
            // Its TCP 1723 and GRE to the server (DNAT), and the server's GRE back (masquerade).
            assertEquals(3, forward.lastEnded().entriesDeleted(), forward.lastEnded().toString());

            forward.apply(lanServer); // back: a new call gets through (another port: not cut)
            Launched second = wanDial("dial-wan2", "bob");
            forward.remove();
            second.awaitExit(Duration.ofSeconds(15));
            assertTrue(second.output().contains("\nDOWN "), second.report() + server.report());
            assertEquals(List.of(SERVER), forward.lastEnded().callers(), forward.lastEnded().toString());
        }
    }

    /**
     * Passthrough switched off with a LAN client's call up (the appliance's order: its control
     * connection cut, then the ALG stopped, its GRE NAT rules with it): the client's control
     * connection is reset at its next echo, so its dial goes DOWN at once rather than sit on a
     * dead tunnel until its keepalives give up.
     */
    @Test
    void aLanClientsCallEndsWhenPassthroughIsSwitchedOff() throws Exception {
        imageFirewall();
        alg = PassthroughAlg.start(router.name(), QUEUE, new ConntrackNatAddress(router.name()), RouterCallIds.NONE);
        Launched server = startServer(wan);
        Launched dial = dial("dial1", lan1, "alice", SERVER, "--control-echo", "2");
        assertPings(lan1, server.report() + dial.report());
        String said = AppliancePassthrough.endControlConnections(router.name(), alg.connectionsWithCalls());
        assertTrue(said.contains("reset at their next packet"), said);
        alg.stop();
        dial.awaitExit(Duration.ofSeconds(15));
        assertTrue(dial.output().contains("\nDOWN "), dial.report() + server.report());
    }

    /** A remote client dialling the router's public address, its control echo every 2 s, its tunnel up. */
    private Launched wanDial(String name, String user) throws Exception {
        Launched dial = launch(name, wan, PASSWORD, "dial", "--server", ROUTER_WAN, "--user", user,
                "--password-stdin", "--mppe", "require-128", "--control-echo", "2");
        awaitOutput(dial, "\nUP ");
        assertPings(wan, dial.report());
        return dial;
    }

    private void hangUp(Launched dial) throws Exception {
        dial.process().destroy();
        assertTrue(dial.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "dial ignored SIGTERM" + dial.report());
        assertTrue(dial.output().contains("\nDOWN "), dial.report());
    }

    private void assertPings(Netns lan, String context) throws IOException {
        CommandResult ping = lan.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "2", TUNNEL_SERVER);
        assertTrue(ping.succeeded() && ping.output().contains("3 received"), ping + context + "\n" + nftAlgTable());
    }

    private int countRules() throws IOException {
        return (int) nftAlgTable().lines().filter(l -> l.contains("ip protocol gre")).count();
    }

    private String nftAlgTable() {
        try {
            return router.exec(Duration.ofSeconds(10), "nft", "list", "table", "ip", GreNatRules.TABLE).output();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void require(CommandResult r) throws IOException {
        if (!r.succeeded()) {
            throw new IOException(r.toString());
        }
    }

    // ------------------------------------------------------------------ processes (as NetnsTunnelTest)

    private Launched startServer(Netns ns) throws Exception {
        Path data = dir.resolve("data");
        for (String user : List.of("alice", "bob")) {
            Launched add = launch("user-add-" + user, null, PASSWORD, "user", "add", user, "--password-stdin",
                    "--data-dir", data.toString());
            assertTrue(add.process().waitFor(START.toSeconds(), TimeUnit.SECONDS) && add.process().exitValue() == 0,
                    add.report());
        }
        Launched server = launch("server", ns, null, "run", "--data-dir", data.toString(), "--pptp-port", "1723",
                "--ui-port", "18080");
        awaitOutput(server, "PPTP control listening on");
        return server;
    }

    private Launched dial(String name, Netns ns, String user) throws Exception {
        return dial(name, ns, user, SERVER);
    }

    private Launched dial(String name, Netns ns, String user, String server, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("dial", "--server", server, "--user", user,
                "--password-stdin", "--mppe", "require-128", "--call-id", Integer.toString(CALL_ID)));
        args.addAll(List.of(more));
        Launched dial = launch(name, ns, PASSWORD, args.toArray(String[]::new));
        awaitOutput(dial, "\nUP ");
        return dial;
    }

    private Launched launch(String name, Netns ns, String stdin, String... args) throws IOException {
        Launched l = Launched.start(name, Launched.appliance(ns, args), stdin, dir);
        launched.add(l);
        return l;
    }

    private static void awaitOutput(Launched l, String text) throws InterruptedException {
        l.awaitOutput(text, START);
    }

    private interface Check {
        boolean holds() throws IOException;
    }

    private static void awaitTrue(Check check, Duration within, String what) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + within.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }
}
