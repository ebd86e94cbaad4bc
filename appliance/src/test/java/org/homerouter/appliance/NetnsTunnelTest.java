package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.bridge.firewall.ServerFirewall;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product end to end on a real kernel: the appliance ({@code run}) in one network namespace,
 * the engine's client ({@code dial}) in another, joined by a veth pair, each a separate JVM as in
 * production. The tunnel must come up with MPPE-128, carry ping and a 64 MiB TCP stream
 * byte-identical, and leave no device, route or firewall table behind whichever side hangs up.
 * Everything happens inside namespaces this test creates and deletes; the root namespace is untouched.
 */
@Tag("root")
class NetnsTunnelTest {
    private static final String SERVER_VETH = "10.99.0.1";
    private static final String CLIENT_VETH = "10.99.0.2";
    /** A secondary address of the server's: the kernel's source towards the client stays SERVER_VETH. */
    private static final String SERVER_SECOND_ADDRESS = "10.99.0.5";
    private static final String TUNNEL_SERVER = "192.168.250.1";
    /** First address of the default pool: each test starts a fresh server, so its only session gets it. */
    private static final String TUNNEL_CLIENT = "192.168.250.10";
    private static final String USER = "alice";
    private static final String PASSWORD = "netns-test-password";
    private static final int TRANSFER_BYTES = 64 << 20;
    private static final int SINK_PORT = 5001;
    private static final Duration START = Duration.ofSeconds(40);
    private static final Duration STOP = Duration.ofSeconds(15);
    private static final Duration TRANSFER = Duration.ofSeconds(120);
    private static final Pattern UP = Pattern.compile("(?m)^UP device=(\\S+) local=(\\S+) peer=(\\S+) encryption=(\\S+) dns=\\S+$");

    @TempDir
    Path dir;

    private Netns srv;
    private Netns cli;
    private final List<Launched> launched = new ArrayList<>();

    @BeforeEach
    void namespaces() throws IOException {
        srv = Netns.create("srv");
        cli = Netns.create("cli");
        Netns.linkVeth(srv, SERVER_VETH + "/24", cli, CLIENT_VETH + "/24");
    }

    /** Kill what the test started before deleting the namespaces (a live process would keep its namespace alive). */
    @AfterEach
    void cleanUp() throws Exception {
        Launched.killAll(launched, STOP);
        Netns.closeAll(cli, srv);
    }

    @Test
    void tunnelCarriesTrafficAndClientHangUpLeavesNothingBehind() throws Exception {
        // The router's default route leads out of its WAN (here towards the client's namespace).
        srv.ip("route", "add", "default", "via", CLIENT_VETH);
        Launched server = startServer();
        Launched dial = dial();
        assertTunnelWorks(server, dial);

        // SIGTERM: the dial's shutdown hook sends Call-Clear-Request and Stop-Control-Connection-Request.
        dial.process().destroy();
        assertTrue(dial.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "dial ignored SIGTERM" + dial.report());
        assertTrue(dial.output().contains("\nDOWN "), "dial did not report the end" + dial.report());
        assertFalse(dial.output().contains("hang-up incomplete"), dial.report());

        // The server keeps running and drops the session's device and route by itself.
        awaitNoTunnelLeft(srv, server);
        assertNoTunnelLeft(cli, dial);
        // What a LAN host still sends to the client's tunnel address (a file copy's retransmissions)
        // is refused, not sent out of the WAN in clear by the default route.
        CommandResult gone = srv.exec(Duration.ofSeconds(10), "ip", "-4", "route", "get", TUNNEL_CLIENT);
        assertFalse(gone.succeeded() && gone.output().contains(" dev "),
                "the gone client's address is routed out of the WAN: " + gone + server.report());
        assertTrue(gone.output().contains("No route to host"), gone.toString());
        assertTrue(server.process().isAlive(), "the server must survive a client hang-up" + server.report());
        String log = server.output();
        assertTrue(log.contains("session ended"), "server log does not say the session ended" + server.report());
        assertTrue(log.contains("peer stops the control connection"),
                "the client hung up without Stop-Control-Connection-Request" + server.report() + dial.report());
    }

    @Test
    void serverShutdownHangsUpTheClientAndRemovesItsFirewall() throws Exception {
        Launched server = startServer();
        Launched dial = dial();
        assertTunnelWorksBriefly(server, dial);
        assertTrue(nftTables(srv).contains("inet " + ServerFirewall.TABLE),
                "the running server has no firewall table" + server.report());

        // A client sends from an address it was not given: dropped on arrival, whatever the
        // namespace's rp_filter (a fresh one has it off), so it reaches neither router nor LAN.
        assertTrue(cli.exec(Duration.ofSeconds(10), "ip", "addr", "add", "192.168.250.77/32", "dev", "lo").succeeded());
        long echoes = icmpInEchos(srv);
        cli.exec(Duration.ofSeconds(10), "ping", "-c", "3", "-W", "1", "-I", "192.168.250.77", TUNNEL_SERVER);
        assertEquals(echoes, icmpInEchos(srv), "a spoofed echo request reached the router" + server.report());

        // SIGTERM: the server sends Stop-Control-Connection-Request to every client, then exits.
        server.process().destroy();
        assertTrue(server.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS),
                "server ignored SIGTERM" + server.report());
        assertTrue(dial.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS),
                "dial still running after the server stopped" + dial.report() + server.report());
        assertEquals(1, dial.process().exitValue(), "dial should end on its own, saying the server ended it"
                + dial.report());
        assertTrue(dial.output().contains("\nDOWN "), "dial did not report the end" + dial.report());
        // The server already ended the call: no hang-up attempt on a closed connection.
        assertFalse(dial.output().contains("hang-up incomplete"), dial.report());

        String log = server.output();
        assertTrue(log.contains("session ended"), "server log does not say the session ended" + server.report());
        assertTrue(log.contains("stopped cleanly"), server.report());
        assertNoTunnelLeft(srv, server);
        assertNoTunnelLeft(cli, dial);
        assertFalse(nftTables(srv).contains(ServerFirewall.TABLE),
                "server left its firewall table behind: " + nftTables(srv) + server.report());
    }

    /**
     * A router with two addresses, dialled at the one its routes do not pick as the source towards
     * the client (a second WAN address, or the public address dialled from the LAN), behind the
     * image's own firewall and masquerade. Our GRE must
     * come from the address the client dialled: every PPTP client takes GRE only from there (the
     * engine's client as Linux's and Android's kernel PPTP do), so GRE sent from the route's
     * choice never got through, and the call died in LCP.
     */
    @Test
    void aClientThatDialledTheServersSecondAddressGetsItsGreFromThatAddress() throws Exception {
        CommandResult added = srv.exec(Duration.ofSeconds(10), "ip", "addr", "add", SERVER_SECOND_ADDRESS + "/24",
                "dev", Netns.VETH);
        assertTrue(added.succeeded(), added.toString());
        // The router image's base firewall, its WAN being veth0: its masquerade must leave our GRE's
        // source alone (it would rewrite it to the primary address).
        java.nio.file.Path conf = dir.resolve("nftables.conf");
        java.nio.file.Files.writeString(conf, java.nio.file.Files.readString(
                        java.nio.file.Path.of("..", "image", "overlay", "etc", "nftables.conf"))
                .replace("define WAN = \"eth0\"", "define WAN = \"" + Netns.VETH + "\"")
                .replace("define LAN = \"eth1\"", "define LAN = \"lan\""));
        CommandResult firewall = srv.exec(Duration.ofSeconds(10), "nft", "-f", conf.toString());
        assertTrue(firewall.succeeded(), firewall.toString());
        Launched server = startServer();
        Launched dial = dial(SERVER_SECOND_ADDRESS);
        assertTunnelWorksBriefly(server, dial);
    }

    /**
     * MTU trouble for real: both namespaces silently drop arriving GRE packets longer than 1300
     * octets, as a path through a small-MTU link with "fragmentation needed" filtered does. The
     * server must find it by itself (padded LCP echoes), say so, and lower pptp0's MTU, after which
     * a bulk TCP stream — whose 1400-octet packets would otherwise vanish — arrives intact.
     */
    @Test
    void largeGreLostOnThePathIsFoundAndTheTunnelMtuLoweredSoTcpFlows() throws Exception {
        for (Netns ns : List.of(srv, cli)) {
            CommandResult nft = ns.exec(Duration.ofSeconds(10), "nft",
                    "add table inet blackhole; add chain inet blackhole in { type filter hook input priority 0; }; "
                            + "add rule inet blackhole in ip protocol gre ip length > 1300 drop");
            assertTrue(nft.succeeded(), nft.toString());
        }
        Launched server = startServer();
        Launched dial = dial();
        assertTunnelWorksBriefly(server, dial);
        server.awaitOutput("MTU trouble", Duration.ofSeconds(120));
        String link = srv.ip("-o", "link", "show", "pptp0");
        Matcher mtu = Pattern.compile("mtu (\\d+)").matcher(link);
        assertTrue(mtu.find(), link);
        int lowered = Integer.parseInt(mtu.group(1));
        assertTrue(lowered < 1300 - 20 - 16 && lowered > 1200, "pptp0 MTU " + lowered + server.report());
        assertTrue(server.output().contains("the tunnel MTU was lowered to " + lowered), server.report());

        NetnsTransfer.Transfer t = transfer(8 << 20);
        assertEquals(8 << 20, t.received(), "bytes received" + server.report() + dial.report());
        assertEquals(t.sentSha256(), t.receivedSha256());
    }

    // ------------------------------------------------------------------ the tunnel at work

    /** The UP line, the routes, ping and a 64 MiB stream checked by SHA-256. */
    private void assertTunnelWorks(Launched server, Launched dial) throws Exception {
        assertTunnelWorksBriefly(server, dial);

        long rxBefore = rxBytes(srv, "pptp0");
        NetnsTransfer.Transfer t = transfer(TRANSFER_BYTES);
        String context = server.report() + dial.report();
        assertEquals(TRANSFER_BYTES, t.received(), "bytes received" + context);
        assertEquals(t.sentSha256(), t.receivedSha256(), "the stream arrived altered" + context);
        // Sanity check that the stream really crossed the tunnel device, not some other path.
        long rx = rxBytes(srv, "pptp0") - rxBefore;
        assertTrue(rx >= TRANSFER_BYTES, "pptp0 received only " + rx + " bytes" + context);
        double seconds = t.nanos() / 1e9;
        System.out.printf("NetnsTunnelTest: %d MiB through PPTP/MPPE-128 in %.2f s = %.1f MB/s (pptp0 rx %d bytes)%n",
                TRANSFER_BYTES >> 20, seconds, TRANSFER_BYTES / 1e6 / seconds, rx);
    }

    private void assertTunnelWorksBriefly(Launched server, Launched dial) throws Exception {
        Matcher up = UP.matcher(dial.output());
        assertTrue(up.find(), dial.report());
        String context = server.report() + dial.report();
        assertEquals(TUNNEL_CLIENT, up.group(2), "client address" + context);
        assertEquals(TUNNEL_SERVER, up.group(3), "server address" + context);
        assertEquals("mppe-BITS_128-stateless", up.group(4), "encryption" + context);
        // Both ends have their device and host route: what the hang-up checks expect to disappear.
        assertTrue(routes(cli).contains(TUNNEL_SERVER + " dev " + up.group(1)), routes(cli) + context);
        assertTrue(routes(srv).contains(TUNNEL_CLIENT + " dev pptp0"), routes(srv) + context);

        CommandResult ping = cli.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "2", TUNNEL_SERVER);
        assertTrue(ping.succeeded() && ping.output().contains("3 received"), ping + context);
    }

    /** A stream from cli to a socket in srv on the server's tunnel address: the only route between them is the tunnel. */
    private NetnsTransfer.Transfer transfer(int bytes) throws Exception {
        return NetnsTransfer.transfer(cli, srv, TUNNEL_SERVER, SINK_PORT, bytes, TRANSFER);
    }

    // ------------------------------------------------------------------ processes

    /** Adds the test user to a fresh data directory, then starts {@code run} in srv and waits until PPTP listens. */
    private Launched startServer() throws Exception {
        Path data = dir.resolve("data");
        Launched add = launch("user-add", null, PASSWORD, "user", "add", USER, "--password-stdin",
                "--data-dir", data.toString());
        assertTrue(add.process().waitFor(START.toSeconds(), TimeUnit.SECONDS) && add.process().exitValue() == 0,
                add.report());
        Launched server = launch("server", srv, null, "run", "--data-dir", data.toString(), "--pptp-port", "1723",
                "--ui-port", "18080");
        awaitOutput(server, "PPTP control listening on");
        assertTrue(server.output().contains("data plane: raw GRE socket and TUN devices ready"), server.report());
        return server;
    }

    /** Starts {@code dial} in cli and waits for its UP line. */
    private Launched dial() throws Exception {
        return dial(SERVER_VETH);
    }

    private Launched dial(String serverAddress) throws Exception {
        Launched dial = launch("dial", cli, PASSWORD, "dial", "--server", serverAddress, "--user", USER,
                "--password-stdin", "--mppe", "require-128");
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

    // ------------------------------------------------------------------ what the kernel shows

    private static String links(Netns ns) throws IOException {
        return ns.ip("-o", "link", "show");
    }

    private static String routes(Netns ns) throws IOException {
        return ns.ip("-4", "route", "show");
    }

    private static String nftTables(Netns ns) throws IOException {
        CommandResult r = ns.exec(Duration.ofSeconds(10), "nft", "list", "tables");
        assertTrue(r.succeeded(), r.toString());
        return r.output();
    }

    private static long rxBytes(Netns ns, String device) throws IOException {
        // ip netns exec mounts the namespace's own /sys.
        CommandResult r = ns.exec(Duration.ofSeconds(10), "cat", "/sys/class/net/" + device + "/statistics/rx_bytes");
        assertTrue(r.succeeded(), r.toString());
        return Long.parseLong(r.output().strip());
    }

    private static final Pattern TUNNEL_DEVICE = Pattern.compile("\\bpp(tp)?\\d+\\b");

    /** ICMP echo requests the namespace's stack took in (/proc/net/snmp, Icmp InEchos). */
    private static long icmpInEchos(Netns ns) throws IOException {
        String snmp = ns.exec(Duration.ofSeconds(10), "cat", "/proc/net/snmp").output();
        String[] lines = snmp.lines().filter(l -> l.startsWith("Icmp: ")).toArray(String[]::new);
        List<String> names = List.of(lines[0].split(" "));
        return Long.parseLong(lines[1].split(" ")[names.indexOf("InEchos")]);
    }

    private static void assertNoTunnelLeft(Netns ns, Launched owner) throws IOException {
        String links = links(ns);
        String routes = routes(ns);
        assertFalse(TUNNEL_DEVICE.matcher(links).find(), ns + " still has a tunnel device:\n" + links + owner.report());
        assertFalse(TUNNEL_DEVICE.matcher(routes).find() || routesIntoTheTunnelNetwork(routes),
                ns + " still routes through a tunnel:\n" + routes + owner.report());
    }

    /**
     * Whether {@code routes} ({@code ip -4 route show}) still route some of the default tunnel
     * network: its "unreachable" route stays on purpose (Appliance.keepTunnelOnlyNetworks).
     */
    static boolean routesIntoTheTunnelNetwork(String routes) {
        return routes.lines().anyMatch(l -> l.contains("192.168.250.") && !l.startsWith("unreachable"));
    }

    /** The server removes a session's device shortly after the call is cleared: give it a bounded moment. */
    private static void awaitNoTunnelLeft(Netns ns, Launched owner) throws Exception {
        long deadline = System.nanoTime() + STOP.toNanos();
        while (System.nanoTime() < deadline && TUNNEL_DEVICE.matcher(links(ns) + routes(ns)).find()) {
            Thread.sleep(100);
        }
        assertNoTunnelLeft(ns, owner);
    }
}
