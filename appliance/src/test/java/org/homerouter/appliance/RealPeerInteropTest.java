package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The interop tier: PPTP programs we did not write, Debian's own {@code pptp} + {@code pppd} client
 * and {@code pptpd} server, each inside a throw-away QEMU guest that {@code pptp-guest} (in
 * ../shared/peers) plugs into a tap device inside a network namespace this test creates.
 *
 * <p>Our side runs as in production: the appliance ({@code run}) or the engine's client
 * ({@code dial}) as a separate JVM inside that namespace. Behind the appliance sits a "LAN"
 * namespace joined by a veth pair; the guest pings the LAN host, so its packets are forwarded by
 * the appliance's namespace, not delivered to the tunnel address.
 *
 * <p>The path of pptp-guest comes from the system property {@value #PEER_PROPERTY} (the Makefile
 * sets it); without it the class is skipped with a banner, and under {@code CI=true} it fails.
 */
@Tag("root")
class RealPeerInteropTest {
    static final String PEER_PROPERTY = "pptp.guest";

    private static final String TAP = "pgtap0";
    private static final String TAP_HOST = "10.79.0.254";
    private static final String GUEST = "10.79.0.2";
    private static final String LAN_ROUTER = "10.98.0.1";
    private static final String LAN_HOST = "10.98.0.2";
    private static final String TUNNEL_SERVER = "192.168.250.1";
    /** The first pool address: a fresh appliance gives it to its first session. */
    private static final String FIRST_POOL_ADDRESS = "192.168.250.10";
    private static final String USER = "alice";
    private static final String PASSWORD = "interop-Pass-1";
    /** An account whose password goes beyond ASCII, stored as the Users page stores it. */
    /** An account kept with its CHAP-MD5 secret too, as the store keeps one while CHAP-MD5 is allowed. */
    private static final String CHAP_USER = "carol";
    private static final String CHAP_PASSWORD = "older-Client-3";
    private static final String BEYOND_ASCII_USER = "jurgen";
    private static final String BEYOND_ASCII_PASSWORD = "Grüße-2024!";
    private static final int UI_PORT = 18080;
    private static final Duration START = Duration.ofSeconds(40);
    /** A guest client run: boot (~4 s under TCG), PPP, pings, log dump and poweroff. */
    private static final Duration GUEST_RUN = Duration.ofSeconds(120);
    private static final Duration STOP = Duration.ofSeconds(15);
    /**
     * The appliance's cleanup after a session ends; the longest path is a vanished peer's control
     * connection, stopped and then closed when no Stop-Control-Connection-Reply comes (5 s).
     */
    private static final Duration CLEANUP = Duration.ofSeconds(40);

    /**
     * Not anchored at the line start, and the tag and interface optional: pptp-guest's result
     * channel (the guest's second serial port, which the guest's ip-up script opens anew) has been
     * seen to drop the start of a line under load: one character ("PP_UP iface=..."), and once
     * fourteen ("pp0 local=..."). "local= remote= mppe= auth=" appear together on no other line.
     */
    private static final Pattern PPP_UP = Pattern.compile(
            "(?:iface=(\\S+) )?local=(\\S+) remote=(\\S+) mppe=(\\S+) auth=(\\S+)");
    /** A whole line: the output is read while the process writes it. */
    private static final Pattern DIAL_UP = Pattern.compile("(?m)^UP device=(\\S+) local=(\\S+) peer=(\\S+) encryption=(\\S+) dns=\\S+\n");
    private static final Pattern TUNNEL_DEVICE = Pattern.compile("\\bpp(tp)?\\d+\\b");

    private static Path peer;

    @TempDir
    Path dir;

    private final List<Netns> namespaces = new ArrayList<>();
    private final List<Launched> launched = new ArrayList<>();
    private int runs;

    @BeforeAll
    static void findThePeer() {
        peer = requirePeer("RealPeerInteropTest", null);
    }

    /**
     * The real peers' launcher (pptp-guest) as {@code make test} names it, or the test is skipped
     * with a banner saying why, and fails under CI, which must run the interop tier. {@code
     * alsoNeeded}: another file the test needs (a built guest image's stamp), or null.
     */
    static Path requirePeer(String test, Path alsoNeeded) {
        String path = System.getProperty(PEER_PROPERTY, "");
        String problem = path.isBlank() ? "system property " + PEER_PROPERTY + " is not set (make test sets it)"
                : !Files.isExecutable(Path.of(path)) ? path + " is missing or not executable"
                : alsoNeeded != null && !Files.exists(alsoNeeded) ? alsoNeeded + " is missing (run " + path + " build)"
                : null;
        if (problem == null) {
            return Path.of(path);
        }
        String message = test + ": no real PPTP peers: " + problem
                + ". Expected ../shared/peers/pptp-guest beside the project (override: make test PPTP_GUEST=...).";
        return LoudSkip.skip(message, "CI must run the interop tier.");
    }

    /** Kill what the test started (guests first: their script deletes its tap), then the namespaces. */
    @AfterEach
    void cleanUp(TestInfo test) throws Exception {
        for (Launched l : launched.reversed()) {
            l.process().destroy();
        }
        for (Launched l : launched) {
            if (!l.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
                l.process().destroyForcibly().waitFor(STOP.toSeconds(), TimeUnit.SECONDS);
            }
        }
        keepLogs(test);
        IOException failure = null;
        for (Netns ns : namespaces.reversed()) {
            try {
                ns.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Every process's output and the capture, kept under target/real-peer-logs/TEST/ (this run's only). */
    private void keepLogs(TestInfo test) throws IOException {
        Path target = Path.of("target", "real-peer-logs", test.getTestMethod().map(m -> m.getName()).orElse("test"));
        Files.createDirectories(target);
        try (var old = Files.list(target)) {
            for (Path p : old.toList()) {
                Files.deleteIfExists(p);
            }
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                Files.copy(p, target.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    // ------------------------------------------------------------------ Debian's client dials our appliance

    @Test
    void debianClientWithStatelessMppeReachesTheLanAndHangsUpCleanly() throws Exception {
        Appliance app = startAppliance(Map.of(), true);
        Capture capture = app.capture();
        Launched guest = client(app, List.of("--ping", LAN_HOST, "--pppd-opt", "defaultroute"));
        int rc = guest.awaitExit(GUEST_RUN);
        String out = guest.output();
        Up up = assertUp(out, app);
        assertEquals(FIRST_POOL_ADDRESS, up.local(), "guest's address" + app.report() + guest.report());
        assertEquals(TUNNEL_SERVER, up.remote(), guest.report());
        assertEquals("128-stateless", up.mppe(), "MPPE" + app.report() + guest.report());
        assertEquals("mschap-v2", up.auth(), guest.report());
        assertTrue(Launched.pingedAll(out, LAN_HOST),
                "ping through the tunnel to the LAN host" + app.report() + guest.report());
        assertEquals(0, rc, guest.report());
        // pppd echoed our full-size LCP probe: no false "MTU trouble" with a real client on a good path.
        assertTrue(app.log().output().contains("the path carries 1400-octet frames both ways"), app.report());
        assertFalse(app.log().output().contains("MTU trouble"), app.report());

        // The guest's pppd hung up (LCP Terminate, then pptp's Call-Clear-Request): nothing may remain.
        awaitNoSessionLeft(app);
        // The session's slot goes first, its "session ended" line a moment later.
        awaitOutput(app.log(), "session ended", CLEANUP);
        assertTrue(app.log().output().contains("cleared by the client"), "the client cleared the call" + app.report());

        List<String> dissection = capture.stopAndDissect();
        List<String> malformed = dissection.stream()
                .filter(l -> l.contains("Malformed") || l.contains("[Expert Info (Error")).toList();
        assertTrue(malformed.isEmpty(), "tshark reports: " + malformed);
        // The capture really holds the whole conversation, so "no Malformed" means something.
        for (String expected : List.of("Start-Control-Connection-Request", "Outgoing-Call-Reply",
                "Call-Clear-Request", "PPP Link Control Protocol", "PPP Challenge Handshake Authentication Protocol",
                "PPP Compression Control Protocol", "PPP IP Control Protocol", "PPP Compressed Datagram")) {
            assertTrue(dissection.stream().anyMatch(l -> l.contains(expected)), "tshark never showed " + expected);
        }
    }

    @Test
    void debianClientWithStatefulMppe() throws Exception {
        Appliance app = startAppliance(Map.of(Setting.PPTP_MPPE, "require-128-stateful"), false);
        Launched guest = client(app, List.of("--ping", LAN_HOST, "--pppd-opt", "defaultroute mppe-stateful"));
        int rc = guest.awaitExit(GUEST_RUN);
        Up up = assertUp(guest.output(), app);
        assertEquals("128-stateful", up.mppe(), "MPPE" + app.report() + guest.report());
        assertTrue(Launched.pingedAll(guest.output(), LAN_HOST), app.report() + guest.report());
        assertEquals(0, rc, guest.report());
        assertTrue(app.log().output().contains("MPPE BITS_128 stateful"), app.report());
        awaitNoSessionLeft(app);
    }

    /**
     * Debian's pppd with a password beyond ASCII: it hashes each octet of its UTF-8 password
     * (chap_ms.c ascii2unicode), not the UTF-16LE Windows hashes, and logged in only since the
     * router keeps that hash too. Up with MS-CHAPv2 and MPPE, and pinging through, proves both the
     * login and the keys derived from pppd's hash. The password goes to the guest in a file, as
     * UTF-8 octets, whatever this JVM's locale makes of command-line arguments.
     */
    @Test
    void debianClientWithAPasswordBeyondAsciiLogsIn() throws Exception {
        Appliance app = startAppliance(Map.of(), false);
        Path password = dir.resolve("beyond-ascii-password");
        Files.write(password, BEYOND_ASCII_PASSWORD.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Launched guest = launchGuest("client", app.ns(), List.of("--guest-ip", GUEST + "/24", "--tap", TAP,
                "--tap-ip", TAP_HOST + "/24", "--server", TAP_HOST, "--user", BEYOND_ASCII_USER, "--password-file",
                password.toString(), "--timeout", "30", "--ping", LAN_HOST, "--pppd-opt", "defaultroute"));
        int rc = guest.awaitExit(GUEST_RUN);
        Up up = assertUp(guest.output(), app);
        assertEquals("mschap-v2", up.auth(), guest.report());
        assertEquals("128-stateless", up.mppe(), "MPPE" + app.report() + guest.report());
        assertTrue(Launched.pingedAll(guest.output(), LAN_HOST), "keys from pppd's hash" + app.report() + guest.report());
        assertEquals(0, rc, guest.report());
        awaitNoSessionLeft(app);
    }

    /**
     * The older logins an owner may allow for clients that cannot do MS-CHAPv2: CHAP with MD5
     * (RFC 1994) and PAP (RFC 1334). Debian's pppd logs in with each and reaches the LAN, without
     * MPPE, whose keys only MS-CHAP gives (RFC 3079): the VPN page refuses them with encryption
     * required.
     */
    @ParameterizedTest
    @CsvSource({"chap-md5, chap", "pap, pap"})
    void debianClientLogsInWithTheOlderMethodsAnOwnerMayAllow(String allowed, String method) throws Exception {
        Appliance app = startAppliance(Map.of(Setting.PPTP_AUTH_METHODS, allowed, Setting.PPTP_MPPE, "none"), false);
        Launched guest = launchGuest("client", app.ns(), List.of("--guest-ip", GUEST + "/24", "--tap", TAP,
                "--tap-ip", TAP_HOST + "/24", "--server", TAP_HOST, "--user", CHAP_USER, "--password", CHAP_PASSWORD,
                "--timeout", "30", "--auth", method, "--mppe", "none", "--ping", LAN_HOST, "--pppd-opt", "defaultroute"));
        int rc = guest.awaitExit(GUEST_RUN);
        Up up = assertUp(guest.output(), app);
        assertEquals(method, up.auth(), guest.report());
        assertEquals("none", up.mppe(), app.report() + guest.report());
        assertTrue(Launched.pingedAll(guest.output(), LAN_HOST), app.report() + guest.report());
        assertEquals(0, rc, guest.report());
        awaitNoSessionLeft(app);
    }

    @Test
    void wrongPasswordIsRefusedWithOneClearLogLine() throws Exception {
        Appliance app = startAppliance(Map.of(), false);
        Launched guest = launchGuest("client", app.ns(), List.of("--guest-ip", GUEST + "/24", "--tap", TAP,
                "--tap-ip", TAP_HOST + "/24", "--server", TAP_HOST, "--user", USER, "--password", "not-the-password",
                "--timeout", "20"));
        assertEquals(2, guest.awaitExit(GUEST_RUN), "PPP must not come up" + app.report() + guest.report());
        assertTrue(guest.output().contains("MS-CHAP authentication failed"), guest.report());
        awaitNoSessionLeft(app);
        List<String> warnings = app.log().output().lines().filter(l -> l.contains("WARN")).toList();
        assertEquals(1, warnings.size(), "one WARN line per failed login: " + warnings + app.report());
        assertTrue(warnings.getFirst().contains(USER) && warnings.getFirst().contains("wrong password")
                && warnings.getFirst().contains("691"), "the line names the user and the reason: " + warnings.getFirst());
        List<String> aboutTheUser = app.log().output().lines().filter(l -> l.contains(USER)).toList();
        assertEquals(warnings, aboutTheUser, "the failed login is told once" + app.report());
    }

    @Test
    void vanishedClientIsDetectedByLcpEchoAndItsAddressIsFreed() throws Exception {
        // One pool address and one call: the second client gets in only if the first one's were freed.
        Appliance app = startAppliance(Map.of(Setting.PPTP_LCP_ECHO_INTERVAL, "1", Setting.PPTP_LCP_ECHO_FAILURES, "4",
                Setting.PPTP_POOL_END, FIRST_POOL_ADDRESS, Setting.PPTP_MAX_SESSIONS, "1"), false);
        Launched guest = client(app, List.of("--keep"));
        Matcher reported = awaitMatch(guest, PPP_UP_REPORTED, GUEST_RUN);
        awaitOutput(app.log(), "session up on pptp0", START);
        // The guest still runs (no pppd log yet): an address its report lacks (see assertUp) is
        // read from the appliance's "session up on pptp0 (192.168.250.1 -> ..." instead.
        assertEquals(FIRST_POOL_ADDRESS, reported.group(1).isEmpty()
                ? said(SESSION_UP_PEER, app.log().output()) : reported.group(1), guest.report() + app.report());

        // SIGTERM to pptp-guest kills QEMU outright: no LCP Terminate, no Call-Clear-Request, no FIN.
        guest.process().destroy();
        guest.awaitExit(STOP);
        awaitOutput(app.log(), "no answer to LCP echo requests", START);
        awaitNoSessionLeft(app);

        // The pool address and the call ID are free again: the next client gets in, with that address.
        Launched again = client(app, List.of());
        int rc = again.awaitExit(GUEST_RUN);
        assertEquals(FIRST_POOL_ADDRESS, assertUp(again.output(), app).local(), app.report() + again.report());
        assertEquals(0, rc, again.report());
        awaitNoSessionLeft(app);
    }

    // ------------------------------------------------------------------ our client dials Debian's pptpd

    @Test
    void engineClientCompletesASessionWithDebianPptpd() throws Exception {
        Netns ns = namespace("pgd");
        Launched server = launchGuest("server", ns, List.of("--guest-ip", GUEST + "/24", "--tap", TAP,
                "--tap-ip", TAP_HOST + "/24", "--user", USER, "--password", PASSWORD, "--timeout", "300"));
        awaitOutput(server, "\nSERVER_READY ", GUEST_RUN);
        Launched dial = launchJava("dial", ns, PASSWORD, "dial", "--server", GUEST, "--user", USER,
                "--password-stdin", "--mppe", "require-128");
        Matcher up = awaitMatch(dial, DIAL_UP, START);
        assertEquals(TUNNEL_SERVER, up.group(3), "pptpd's --local address" + dial.report());
        assertEquals("mppe-BITS_128-stateless", up.group(4), dial.report() + server.report());
        Matcher serverUp = awaitMatch(server, PPP_UP, START);
        assertEquals("128-stateless", serverUp.group(4), server.report());
        assertEquals("mschap-v2", serverUp.group(5), server.report());

        CommandResult ping = ns.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "2", TUNNEL_SERVER);
        assertTrue(ping.succeeded() && ping.output().contains("3 received"), ping + dial.report() + server.report());

        // SIGTERM: the dial hangs up (LCP Terminate, Call-Clear-Request, Stop-Control-Connection-Request)
        // in its shutdown hook, then exits as SIGTERM'd JVMs do (143).
        dial.process().destroy();
        dial.awaitExit(STOP);
        assertTrue(dial.output().contains("\nDOWN "), dial.report());
        assertFalse(dial.output().contains("hang-up incomplete"), dial.report() + server.report());
        awaitOutput(server, "\nPPP_DOWN ", STOP);
        assertFalse(TUNNEL_DEVICE.matcher(ns.ip("-o", "link", "show")).find(), ns.ip("-o", "link", "show"));
    }

    /**
     * Site-to-site (P9) against Debian's pptpd: the appliance's dial-out service, configured as an
     * administrator would (the {@code dialout} command, password kept only as its NT hash), brings
     * the tunnel up with MS-CHAPv2 + MPPE-128, routes the remote network through it, and carries
     * traffic to the far side; stopping the appliance hangs up.
     */
    @Test
    void applianceDialOutReachesDebianPptpdAndRoutesTheRemoteNetwork() throws Exception {
        Netns ns = namespace("pgo");
        String remoteNet = "10.88.0.0/24";
        String remoteServer = "10.88.0.1";
        Launched server = launchGuest("server", ns, List.of("--guest-ip", GUEST + "/24", "--tap", TAP,
                "--tap-ip", TAP_HOST + "/24", "--user", USER, "--password", PASSWORD, "--local", remoteServer,
                "--remote-range", "10.88.0.10-19", "--timeout", "300"));
        awaitOutput(server, "\nSERVER_READY ", GUEST_RUN);

        Path data = dir.resolve("data-dialout");
        Launched config = launchJava("dialout-config", ns, PASSWORD, "dialout", "--server", GUEST, "--user", USER,
                "--password", "--password-stdin", "--subnets", remoteNet, "--enable", "--data-dir", data.toString());
        assertEquals(0, config.awaitExit(START), config.report());
        Launched router = launchJava("appliance-dialout", ns, null, "run", "--data-dir", data.toString(),
                "--pptp-port", "11723", "--ui-port", Integer.toString(UI_PORT));
        awaitOutput(router, "site-to-site: up to ", START);
        Matcher serverUp = awaitMatch(server, PPP_UP, START);
        assertEquals("128-stateless", serverUp.group(4), server.report() + router.report());
        assertEquals("mschap-v2", serverUp.group(5), server.report());
        assertTrue(ns.ip("-4", "route", "show").contains(remoteNet + " dev ppp"), ns.ip("-4", "route", "show")
                + router.report());

        CommandResult ping = ns.exec(Duration.ofSeconds(20), "ping", "-c", "3", "-W", "2", remoteServer);
        assertTrue(ping.succeeded() && ping.output().contains("3 received"), ping + router.report() + server.report());

        router.process().destroy();
        router.awaitExit(STOP);
        awaitOutput(server, "\nPPP_DOWN ", STOP);
        assertFalse(TUNNEL_DEVICE.matcher(ns.ip("-o", "link", "show")).find(), ns.ip("-o", "link", "show"));
        String routes = ns.ip("-4", "route", "show");
        assertFalse(routes.contains(remoteNet + " dev ppp"), "the route went with the tunnel: " + routes);
        // The remote network stays unreachable rather than reached by the default route in clear.
        assertTrue(routes.contains("unreachable " + remoteNet), routes);
    }

    // ------------------------------------------------------------------ the appliance

    /** The metrics endpoint's bearer token, set before the appliance starts (it keeps a stored one). */
    private static final String METRICS_TOKEN = "interop-test-metrics-token";

    private record Appliance(Netns ns, Netns lan, Launched log, Capture capture) {
        String report() {
            return log.report();
        }
    }

    /**
     * A fresh appliance in its own namespace, with a LAN namespace behind it on a veth pair (the
     * LAN host routes the tunnel pool back through the appliance, as a home LAN's default gateway does).
     */
    private Appliance startAppliance(Map<Setting, String> settings, boolean capture) throws Exception {
        Netns ns = namespace("pga");
        Netns lan = namespace("pgl");
        Netns.linkVeth(ns, LAN_ROUTER + "/24", lan, LAN_HOST + "/24");
        lan.ip("route", "add", "default", "via", LAN_ROUTER);
        // tshark takes seconds to start: let it do so while the appliance starts.
        Capture tshark = capture ? Capture.begin(ns, dir.resolve("interop.pcap")) : null;
        if (tshark != null) {
            launched.add(new Launched("tshark", tshark.process(), tshark.log()));
        }

        Path data = dir.resolve("data-" + ns.name());
        Files.createDirectories(data);
        try (ApplianceStore store = ApplianceStore.open(data.resolve("appliance.db"))) {
            store.addUser(new VpnUser(USER, NtPasswordHash.of(PASSWORD), Optional.empty(), true, Optional.empty()));
            store.addUser(new VpnUser(CHAP_USER, NtPasswordHash.of(CHAP_PASSWORD),
                    Optional.of(CHAP_PASSWORD.getBytes(java.nio.charset.StandardCharsets.UTF_8)), true, Optional.empty()));
            store.addUser(new VpnUser(BEYOND_ASCII_USER, NtPasswordHash.of(BEYOND_ASCII_PASSWORD), Optional.empty(), true,
                    Optional.empty(), NtPasswordHash.octetWiseOf(BEYOND_ASCII_PASSWORD)));
            Map<Setting, String> values = new EnumMap<>(Setting.class);
            values.put(Setting.METRICS_TOKEN, METRICS_TOKEN);
            values.putAll(settings);
            if (!values.isEmpty()) {
                store.putSettings(values);
            }
        }
        Launched server = launchJava("appliance-" + ns.name(), ns, null, "run", "--data-dir", data.toString(),
                "--ui-port", Integer.toString(UI_PORT));
        awaitOutput(server, "PPTP control listening on", START);
        assertTrue(server.output().contains("data plane: raw GRE socket and TUN devices ready"), server.report());
        if (tshark != null) {
            tshark.awaitCapturing();
        }
        return new Appliance(ns, lan, server, tshark);
    }

    /** Debian's client against the appliance, with the password right. */
    private Launched client(Appliance app, List<String> extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--guest-ip", GUEST + "/24", "--tap", TAP, "--tap-ip", TAP_HOST + "/24",
                "--server", TAP_HOST, "--user", USER, "--password", PASSWORD, "--timeout", "30"));
        args.addAll(extra);
        return launchGuest("client", app.ns(), args);
    }

    /** What the guest's client reported once PPP was up. */
    private record Up(String local, String remote, String mppe, String auth) {
    }

    /** The guest's report with its addresses possibly empty (see {@link #assertUp}). */
    private static final Pattern PPP_UP_REPORTED = Pattern.compile(
            "PPP_UP iface=\\S* local=(\\S*) remote=(\\S*) mppe=(\\S+) auth=(\\S+)");
    private static final Pattern PPPD_LOCAL = Pattern.compile("local  IP address (\\S+)");
    private static final Pattern PPPD_REMOTE = Pattern.compile("remote IP address (\\S+)");
    private static final Pattern SESSION_UP_PEER = Pattern.compile("session up on pptp\\d+ \\(\\S+ -> ([^,]+),");

    /**
     * The guest's PPP_UP report; its addresses from pppd's own log when the report has none: the
     * guest's script reads the file its ip-up writes as soon as the file exists, and once in CI
     * read it empty ("PPP_UP iface= local= remote= mppe=128-stateless"), the link up and pinging.
     */
    private static Up assertUp(String guestOutput, Appliance app) {
        Matcher up = PPP_UP_REPORTED.matcher(guestOutput);
        assertTrue(up.find(), "PPP never came up" + app.report() + "\n" + guestOutput);
        return new Up(up.group(1).isEmpty() ? said(PPPD_LOCAL, guestOutput) : up.group(1),
                up.group(2).isEmpty() ? said(PPPD_REMOTE, guestOutput) : up.group(2), up.group(3), up.group(4));
    }

    /** The first group of {@code what} in {@code output}; "" if it is not there. */
    private static String said(Pattern what, String output) {
        Matcher m = what.matcher(output);
        return m.find() ? m.group(1) : "";
    }

    /**
     * Waits until the appliance counts no session (its own metrics endpoint), and its namespace has
     * no tunnel device or route to the pool.
     */
    private void awaitNoSessionLeft(Appliance app) throws Exception {
        long deadline = System.nanoTime() + CLEANUP.toNanos();
        while (true) {
            String links = app.ns().ip("-o", "link", "show");
            String routes = app.ns().ip("-4", "route", "show");
            String status;
            try {
                status = metrics(app.ns());
            } catch (IOException e) {
                // The first page render (template compilation) can take long on a loaded 2-core machine.
                status = "(metrics unreadable: " + e + ")";
            }
            boolean clean = !TUNNEL_DEVICE.matcher(links).find() && !NetnsTunnelTest.routesIntoTheTunnelNetwork(routes)
                    && status.contains("\nhomerouter_pptp_sessions 0\n");
            if (clean) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("the appliance kept something of the ended session:\nlinks:\n" + links + "routes:\n" + routes
                        + "metrics:\n" + status + app.report());
            }
            Thread.sleep(200);
        }
    }

    /** The appliance's metrics (what a monitoring system reads), from inside its namespace (the UI listens on its loopback). */
    private static String metrics(Netns ns) throws Exception {
        return NetworkNamespace.call(ns.name(), () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), UI_PORT), 5_000);
                s.setSoTimeout(15_000);
                OutputStream out = s.getOutputStream();
                out.write(("GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + METRICS_TOKEN
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        });
    }

    // ------------------------------------------------------------------ processes

    private Netns namespace(String prefix) throws IOException {
        Netns ns = Netns.create(prefix);
        namespaces.add(ns);
        return ns;
    }

    private Launched launchGuest(String role, Netns ns, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(peer.toString(), role, "--netns", ns.name()));
        command.addAll(args);
        return launch("pptp-guest-" + role + "-" + (++runs), command, null);
    }

    private Launched launchJava(String name, Netns ns, String stdin, String... args) throws IOException {
        return launch(name, Launched.appliance(ns, args), stdin);
    }

    private Launched launch(String name, List<String> command, String stdin) throws IOException {
        Launched l = Launched.start(name, command, stdin, dir);
        launched.add(l);
        return l;
    }

    /** Waits until {@code pattern} matches the process's output; fails early if it exits first. */
    private static Matcher awaitMatch(Launched l, Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean alive = l.process().isAlive();
            Matcher m = pattern.matcher(l.output());
            if (m.find()) {
                return m;
            }
            if (!alive) {
                fail(l.name() + " exited without printing " + pattern + l.report());
            }
            if (System.nanoTime() > deadline) {
                fail(l.name() + " did not print " + pattern + " within " + timeout.toSeconds() + " s" + l.report());
            }
            Thread.sleep(100);
        }
    }

    /** Waits for {@code text} in the process's output; fails early if it exits first. */
    private static void awaitOutput(Launched l, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (("\n" + l.output()).contains(text)) {
                return;
            }
            if (!l.process().isAlive()) {
                if (("\n" + l.output()).contains(text)) {
                    return;
                }
                fail(l.name() + " exited before printing '" + text.strip() + "'" + l.report());
            }
            Thread.sleep(100);
        }
        fail(l.name() + " did not print '" + text.strip() + "' within " + timeout.toSeconds() + " s" + l.report());
    }

    // ------------------------------------------------------------------ packet capture

    /** tshark capturing PPTP control and GRE on every interface of a namespace into a file. */
    private record Capture(Process process, Path file, Path log) {
        static Capture begin(Netns ns, Path file) throws IOException {
            Path log = Path.of(file + ".log");
            // "any" also sees the tap that pptp-guest creates later.
            Process p = new ProcessBuilder("ip", "netns", "exec", ns.name(), "tshark", "-i", "any", "-f",
                    "tcp port 1723 or ip proto 47", "-w", file.toString()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            return new Capture(p, file, log);
        }

        void awaitCapturing() throws Exception {
            long deadline = System.nanoTime() + START.toNanos();
            while (!Files.readString(log).contains("Capturing on")) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    fail("tshark did not start capturing: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
        }

        /** Stops the capture (SIGINT flushes the file) and returns tshark's full dissection of it. */
        List<String> stopAndDissect() throws Exception {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
            assertTrue(process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "tshark ignored SIGINT");
            CommandResult r = Netns.run(Duration.ofSeconds(60), "tshark", "-r", file.toString(), "-V");
            assertTrue(r.succeeded(), r.toString());
            return r.output().lines().toList();
        }
    }
}
