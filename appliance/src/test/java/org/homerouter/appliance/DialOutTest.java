package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.homerouter.appliance.store.ApplianceStore;
import org.homerouter.appliance.store.Setting;
import org.homerouter.appliance.store.VpnUser;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dial-out against a real appliance server, GRE and tunnel devices in memory: what the
 * dashboard shows when the tunnel fails, comes up, and drops, and that it redials by itself.
 */
class DialOutTest {
    /** The server's address; the dial-out's control connection comes from 127.0.0.1, so its GRE must too. */
    private static final InetAddress SERVER = loopback("127.0.0.6");
    private static final String USER = "branch";
    private static final String PASSWORD = "branch password";
    /** The wait before a refused login is tried again (5 min in the product). */
    private static final Duration AUTH_RETRY = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    /** The dial-out's remote networks. */
    private String routed = "10.20.1.0/24";

    private final InMemoryGreNetwork network = new InMemoryGreNetwork();
    private final List<InMemoryTunnelDevice> clientDevices = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final NettyTransport io = NettyTransport.create(1, "dialout-test");
    private final List<AutoCloseable> open = new ArrayList<>();
    /** The devices "everything else" was routed into (in the product, their own table's default route). */
    private final List<String> everythingElseInto = new CopyOnWriteArrayList<>();
    /** What the dial-outs tell of their tunnels (the LAN's DNS). */
    private DialOut.Router router = DialOut.Router.NONE;
    /** The in-memory network delivers only when asked: this thread is its wire. */
    private final Thread wire = Thread.ofPlatform().daemon().name("gre-wire").start(() -> {
        while (!Thread.currentThread().isInterrupted()) {
            network.deliverAll();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    });

    private static InetAddress loopback(String a) {
        try {
            return InetAddress.getByName(a);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        io.shutdown(Duration.ofSeconds(1));
        wire.interrupt();
    }

    /** A server appliance with the branch account; {@code mppe} is its encryption policy. */
    private Appliance server(String mppe) throws Exception {
        return server(mppe, true);
    }

    private Appliance server(String mppe, boolean branchEnabled) throws Exception {
        return server(mppe, branchEnabled, Map.of());
    }

    private Appliance server(String mppe, boolean branchEnabled, Map<Setting, String> more) throws Exception {
        Path db = dir.resolve("server.db");
        try (ApplianceStore store = ApplianceStore.open(db)) {
            store.addUser(new VpnUser(USER, NtPasswordHash.of(PASSWORD), Optional.empty(), branchEnabled,
                    Optional.empty()));
            store.putSettings(Map.of(Setting.PPTP_MPPE, mppe));
            store.putSettings(more);
        }
        Appliance a = Appliance.start(db, new Appliance.Overrides(SERVER.getHostAddress(), 0, 0),
                new DataPlane(network.bind(SERVER), config -> new InMemoryTunnelDevice("pptp0", config), null, () -> { }));
        open.add(a);
        return a;
    }

    private DialOut dialOut(Appliance server, String password) {
        return dialOut(server, password, false, s -> {
            throw new AssertionError("no default route configured");
        });
    }

    private DialOut dialOut(Appliance server, String password, boolean defaultRoute, DialOut.ServerPath serverPath) {
        return dialOut(server.pptpAddress().getPort(), password, defaultRoute, serverPath);
    }

    private DialOut dialOut(int port, String password, boolean defaultRoute, DialOut.ServerPath serverPath) {
        return dialOut(SERVER.getHostAddress(), DialOut.Resolver.SYSTEM, moved -> { }, port, password, defaultRoute,
                serverPath);
    }

    private DialOut dialOut(String server, DialOut.Resolver resolver, java.util.function.Consumer<Inet4Address> moved,
                            int port, String password, boolean defaultRoute, DialOut.ServerPath serverPath) {
        Map<Setting, String> cfg = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            cfg.put(s, s.defaultValue());
        }
        cfg.put(Setting.DIALOUT_SERVER, server);
        cfg.put(Setting.DIALOUT_USER, USER);
        cfg.put(Setting.DIALOUT_NT_HASH, HexFormat.of().formatHex(NtPasswordHash.of(password)));
        cfg.put(Setting.DIALOUT_SUBNETS, routed);
        DialOut.Config c = DialOut.Config.from(cfg);
        // The server listens on a free port, not 1723.
        c = new DialOut.Config(server, port, c.session(), c.subnets(), defaultRoute);
        DataPlane plane = new DataPlane(network.bind(loopback("127.0.0.1")), config -> {
            var d = new InMemoryTunnelDevice("ppp" + clientDevices.size(), config);
            clientDevices.add(d);
            return d;
        }, null, () -> { });
        DialOut d = DialOut.start(plane, io, c, resolver, serverPath, everythingElseInto::add, moved,
                (kind, message) -> events.add(message), AUTH_RETRY, router);
        open.add(d);
        return d;
    }

    private static DialOut.State await(DialOut d, Predicate<DialOut.State> condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            DialOut.State s = d.state();
            if (condition.test(s)) {
                return s;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("dial-out never " + what + "; last: " + d.state().describe());
    }

    /** The dial-out logs its event just after it publishes the state a test waits for. */
    private String awaitEvent(Predicate<String> condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (String e : events) {
                if (condition.test(e)) {
                    return e;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no event " + what + ": " + events);
    }

    @Test
    void aWrongPasswordIsTriedOnceMoreAfterAWaitThenNoMoreSoTheRemoteAccountIsNotLockedOut() throws Exception {
        DialOut d = dialOut(server("require-128"), "not the password");
        DialOut.State first = await(d, s -> s.phase() == DialOut.Phase.WAITING, "failed");
        assertTrue(first.lastFailure().startsWith("the remote server refused the user name or password (Windows error"
                + " 691)"), first.lastFailure());
        assertEquals(AUTH_RETRY.toSeconds(), Math.round((first.retryAtNanos() - first.sinceNanos()) / 1e9),
                "a refused password waits its own (long) time, not the 2 s of a server that was down");
        assertTrue(first.describe().startsWith("site-to-site: down, next attempt in "), first.describe());

        DialOut.State stopped = await(d, s -> s.phase() == DialOut.Phase.STOPPED, "stopped");
        assertTrue(stopped.describe().startsWith("site-to-site: stopped, not dialing again until the Site-to-site page"
                + " is saved: the remote server refused the user name or password"), stopped.describe());
        Thread.sleep(3 * AUTH_RETRY.toMillis());
        assertEquals(DialOut.Phase.STOPPED, d.state().phase());
        assertEquals(2, events.stream().filter(e -> e.contains("failed: the remote server refused")).count(),
                "two logins in all: " + events);
        assertTrue(events.getLast().endsWith("not dialing again until the Site-to-site page is saved"), events.toString());
    }

    /**
     * A board without a battery clock steps its wall clock by months when its time server first
     * answers: the dashboard's "up for" and "next attempt in" count elapsed time, which no step
     * moves (with the wall clock, a tunnel up for 90 s was "up for 2160 h" after the step).
     */
    @Test
    void theDashboardsAgeAndCountdownCountElapsedTimeNotTheTimeOfDay() {
        long t = System.nanoTime();
        DialOut.State up = new DialOut.State(DialOut.Phase.UP, "203.0.113.7", t, "ppp0", "10.0.0.2", "10.0.0.1",
                "MPPE 128-bit stateless", List.of("10.20.1.0/24"), 0, "");
        assertEquals("site-to-site: up to 203.0.113.7 for 90 s on ppp0 (10.0.0.2 -> 10.0.0.1, MPPE 128-bit stateless),"
                + " routing 10.20.1.0/24", up.describe(t + Duration.ofSeconds(90).toNanos()));
        DialOut.State waiting = new DialOut.State(DialOut.Phase.WAITING, "203.0.113.7", t, "", "", "", "", List.of(),
                t + Duration.ofMinutes(1).toNanos(), "no answer");
        assertEquals("site-to-site: down, next attempt in 45 s; last failure: no answer",
                waiting.describe(t + Duration.ofSeconds(15).toNanos()));
    }

    @Test
    void aServerThatStaysDownIsOneLineInTheEventLogNotOnePerRetry() throws Exception {
        Appliance server = server("require-128");
        int port = server.pptpAddress().getPort();
        server.close(); // nothing listens on its port any more
        DialOut d = dialOut(port, PASSWORD, false, p -> {
            throw new AssertionError("no default route configured");
        });
        java.util.Set<Long> failures = new java.util.HashSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (failures.size() < 3 && System.nanoTime() < deadline) { // after 0, 2 and 4 s of backoff
            DialOut.State s = d.state();
            if (s.phase() == DialOut.Phase.WAITING) {
                failures.add(s.sinceNanos());
            }
            Thread.sleep(10);
        }
        assertEquals(3, failures.size(), d.state().describe());
        String refused = "failed: cannot reach 127.0.0.6 TCP port " + port
                + ": the connection was refused (no PPTP server listens there";
        assertEquals(1, events.size(), "the first failure only: " + events);
        assertTrue(events.getFirst().contains(refused), events.getFirst());
        assertTrue(d.state().describe().startsWith("site-to-site: down, next attempt in "), "the page still tells each one");
    }

    /**
     * Something at the office takes the TCP connection and closes it at once (a PPTP server that
     * refuses this router's address, a full one): the dashboard said "control connection closed".
     */
    @Test
    void aServerThatClosesTheConnectionBeforeAnsweringIsSaidInWords() throws Exception {
        try (java.net.ServerSocket office = new java.net.ServerSocket(0, 5, SERVER)) {
            Thread.ofVirtual().start(() -> {
                while (!office.isClosed()) {
                    try {
                        office.accept().close();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            DialOut d = dialOut(office.getLocalPort(), PASSWORD, false, p -> {
                throw new AssertionError("no default route configured");
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (d.state().phase() != DialOut.Phase.WAITING && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(d.state().lastFailure().contains("the server at 127.0.0.6 TCP port " + office.getLocalPort()
                    + " closed the connection before the tunnel was set up"), d.state().describe());
        }
    }

    /** A DNS that answers each lookup with the next of {@code answers} (null: no such name), then the last again. */
    private static DialOut.Resolver dns(String name, String... answers) {
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        return host -> {
            assertEquals(name, host);
            String a = answers[Math.min(lookups.getAndIncrement(), answers.length - 1)];
            if (a == null) {
                throw new java.net.UnknownHostException(host + ": Name or service not known");
            }
            return (Inet4Address) loopback(a);
        };
    }

    @Test
    void anOfficeOnADynamicAddressIsDialedWhereItsNameNowPointsAndTheFirewallIsToldEachMove() throws Exception {
        Appliance server = server("require-128");
        List<Inet4Address> moves = new CopyOnWriteArrayList<>();
        // Not registered yet; then an address where nothing listens; then the office's server.
        DialOut d = dialOut("office.example.test", dns("office.example.test", null, "127.0.0.7", "127.0.0.6"),
                moves::add, server.pptpAddress().getPort(), PASSWORD, false, p -> {
                    throw new AssertionError("no default route configured");
                });
        DialOut.State unknown = await(d, s -> s.phase() == DialOut.Phase.WAITING, "failed");
        assertEquals("cannot find the address of office.example.test: DNS knows no such name (check its spelling, and"
                + " that the dynamic-DNS name is still registered)", unknown.lastFailure());
        assertEquals("office.example.test", unknown.server());
        assertTrue(moves.isEmpty(), "nothing to admit yet: " + moves);

        DialOut.State refused = await(d,
                s -> s.phase() == DialOut.Phase.WAITING && s.sinceNanos() != unknown.sinceNanos(), "failed again");
        assertTrue(refused.lastFailure().startsWith("cannot reach 127.0.0.7 TCP port"), refused.lastFailure());
        assertEquals("office.example.test (127.0.0.7)", refused.server());

        DialOut.State up = await(d, s -> s.phase() == DialOut.Phase.UP, "came up");
        assertEquals("office.example.test (127.0.0.6)", up.server());
        assertEquals(List.of(loopback("127.0.0.7"), loopback("127.0.0.6")), moves,
                "the firewall follows each address, before GRE comes from it");
        assertEquals(Optional.of(loopback("127.0.0.6")), d.serverAddress());
        awaitEvent(e -> e.startsWith("site-to-site tunnel up to office.example.test (127.0.0.6) on ppp0"),
                "of the tunnel up at its new address");
    }

    @Test
    void aNameThatNowPointsIntoTheRoutedNetworksIsNotDialed() throws Exception {
        routed = "10.20.1.0/24, 127.0.0.8/30"; // loopback: a dial that went ahead would stay on this machine
        List<Inet4Address> moves = new CopyOnWriteArrayList<>();
        DialOut d = dialOut("office.example.test", dns("office.example.test", "127.0.0.9"), moves::add, 1723, PASSWORD,
                false, p -> {
                    throw new AssertionError("no default route configured");
                });
        DialOut.State s = await(d, x -> x.phase() == DialOut.Phase.WAITING, "failed");
        assertTrue(s.lastFailure().startsWith("office.example.test now points to 127.0.0.9: the server 127.0.0.9 lies"
                + " inside 127.0.0.8/30: the tunnel's own packets would be routed into the tunnel"), s.lastFailure());
        // Not dialed: a dial would have failed as "cannot reach 127.0.0.9" (nothing listens there).
        assertTrue(moves.isEmpty(), "the firewall is not opened for it: " + moves);
    }

    @Test
    void anAccountTheServerWillNotLetInStopsTheDialOutAtOnce() throws Exception {
        DialOut d = dialOut(server("require-128", false), PASSWORD);
        DialOut.State stopped = await(d, s -> s.phase() == DialOut.Phase.STOPPED, "stopped");
        assertTrue(stopped.lastFailure().startsWith("the remote server refused the account although the password may be"
                + " right"), stopped.lastFailure());
        awaitEvent(e -> e.endsWith("not dialing again until the Site-to-site page is saved"), "of the stop");
        assertEquals(1, events.size(), "one attempt: " + events);
    }

    @Test
    void whenTheServerRenegotiatesTheLinkTheRoutesComeBackOnTheNewTunnelDevice() throws Exception {
        Appliance server = server("require-128");
        DialOut d = dialOut(server, PASSWORD);
        await(d, s -> s.phase() == DialOut.Phase.UP, "came up");
        assertEquals("ppp0", d.state().device());

        // The server sends an IPCP Configure-Request on the open link (RFC 1661 §4: the client's
        // IPCP goes down and negotiates again); here it does so because the test hands the server's
        // session a Configure-Request as if from the client, which it answers with its own.
        var serverSide = server.pptp().sessions().getFirst();
        byte[] peer = serverSide.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getAddress();
        serverSide.sink().onPayload(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0x80, 0x21, 0x01,
                0x77, 0x00, 0x0A, 0x03, 0x06, peer[0], peer[1], peer[2], peer[3]}));

        DialOut.State again = await(d, s -> s.phase() == DialOut.Phase.UP && s.device().equals("ppp1"),
                "came up again on the new device");
        assertTrue(clientDevices.getFirst().isClosed(), "the old device went with the renegotiation");
        assertEquals(List.of("10.20.1.0/24"), clientDevices.get(1).routes(), "the remote network is routed again");
        assertEquals(List.of("10.20.1.0/24"), again.routes());
        awaitEvent(e -> e.startsWith("site-to-site tunnel up again, after the server renegotiated it"),
                "of the tunnel up again");
        assertEquals(1, server.pptp().sessions().size(), "the same call: no redial");
    }

    @Test
    void comesUpWithMppeRoutesTheRemoteNetworkAndRedialsAfterTheServerHangsUp() throws Exception {
        Appliance server = server("require-128");
        DialOut d = dialOut(server, PASSWORD);
        DialOut.State up = await(d, s -> s.phase() == DialOut.Phase.UP, "came up");
        assertEquals("MPPE 128-bit stateless", up.encryption());
        assertEquals(List.of("10.20.1.0/24"), up.routes());
        assertEquals(List.of("10.20.1.0/24"), clientDevices.getFirst().routes());

        assertEquals(1, server.pptp().disconnectUser(USER, "test: the server hangs up"));
        DialOut.State down = await(d, s -> s.phase() == DialOut.Phase.WAITING, "noticed the hang-up");
        // The server's LCP Terminate-Request and its Call-Disconnect-Notify race (GRE against TCP):
        // either way the reason is the server's hang-up, in words.
        assertTrue(down.lastFailure().startsWith("the link was closed normally")
                || down.lastFailure().startsWith("the PPTP call was cleared"), down.lastFailure());
        assertTrue(clientDevices.getFirst().isClosed(), "the old tunnel and its route are gone");

        DialOut.State again = await(d, s -> s.phase() == DialOut.Phase.UP, "came back");
        assertEquals(2, clientDevices.size());
        assertEquals(List.of("10.20.1.0/24"), clientDevices.get(1).routes());
        assertEquals(down.lastFailure(), again.lastFailure(), "the last failure stays visible");
    }

    /**
     * A step of the dial-out that throws (here the WAN firewall's admission of the server, told as
     * the server is found) is a failed attempt, dialed again after the backoff's wait: it used to
     * end the step silently and leave the page saying "dialing" for good, with no second attempt.
     */
    @Test
    void aStepThatFailsWhileDialingIsAFailedAttemptAndTheTunnelComesUpAtTheNext() throws Exception {
        Appliance server = server("require-128");
        List<Inet4Address> moves = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        DialOut d = dialOut(SERVER.getHostAddress(), DialOut.Resolver.SYSTEM, moved -> {
            moves.add(moved);
            if (!failed.getAndSet(true)) {
                throw new IllegalStateException("test: the firewall failed");
            }
        }, server.pptpAddress().getPort(), PASSWORD, false, p -> {
            throw new AssertionError("no default route configured");
        });
        DialOut.State waiting = await(d, s -> s.phase() == DialOut.Phase.WAITING, "failed");
        assertEquals("an internal error of this router while dialing (java.lang.IllegalStateException: test: the"
                + " firewall failed); the system log has the details", waiting.lastFailure());
        awaitEvent(e -> e.contains("failed: an internal error of this router while dialing"), "of the failed step");

        DialOut.State up = await(d, s -> s.phase() == DialOut.Phase.UP, "came up at the next attempt");
        assertEquals(List.of("10.20.1.0/24"), up.routes());
        assertEquals(List.of(SERVER, SERVER), moves, "the firewall is told again, its first time having failed");
    }

    /**
     * The end of a tunnel that fails half way (here the LAN's DNS, held when the tunnel goes, throws)
     * still leads to the next attempt: the page used to say "up" for good, the office unreachable.
     */
    @Test
    void aTunnelWhoseEndFailsHalfWayIsDialedAgain() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        router = new DialOut.Router() {
            @Override
            public Inet4Address lanDnsUp(List<Inet4Address> officeDns, String device) {
                return officeDns.getFirst();
            }

            @Override
            public void lanDnsDown() {
                if (!failed.getAndSet(true)) {
                    throw new IllegalStateException("test: the DNS hold failed");
                }
            }

            @Override
            public boolean lanDnsManaged() {
                return true;
            }
        };
        Appliance server = server("require-128", true, Map.of(Setting.PPTP_DNS_PRIMARY, "10.20.1.53"));
        DialOut d = dialOut(server, PASSWORD, true, s -> () -> { });
        await(d, s -> s.phase() == DialOut.Phase.UP, "came up");

        assertEquals(1, server.pptp().disconnectUser(USER, "test: the server hangs up"));
        DialOut.State down = await(d, s -> s.phase() == DialOut.Phase.WAITING, "noticed the hang-up");
        assertTrue(down.lastFailure().startsWith("an internal error of this router while taking the ended tunnel down"
                + " (java.lang.IllegalStateException: test: the DNS hold failed)"), down.lastFailure());

        DialOut.State again = await(d, s -> s.phase() == DialOut.Phase.UP, "came back");
        assertEquals(2, clientDevices.size());
        assertTrue(clientDevices.getFirst().isClosed(), "the old tunnel is gone");
        assertEquals("ppp1", again.device());
    }

    /**
     * With everything else through the tunnel, the LAN's DNS goes there too: to the DNS server the
     * office offers in IPCP (RFC 1877), from when the tunnel is up until it goes; the page says so.
     */
    @Test
    void withTheDefaultRouteTheLanDnsGoesToTheOfficesServerWhileTheTunnelIsUp() throws Exception {
        List<String> told = new CopyOnWriteArrayList<>();
        router = new DialOut.Router() {
            @Override
            public Inet4Address lanDnsUp(List<Inet4Address> officeDns, String device) {
                told.add("up " + officeDns + " on " + device);
                return officeDns.getFirst();
            }

            @Override
            public void lanDnsDown() {
                told.add("down");
            }

            @Override
            public boolean lanDnsManaged() {
                return true;
            }
        };
        Appliance server = server("require-128", true, Map.of(Setting.PPTP_DNS_PRIMARY, "10.20.1.53"));
        DialOut d = dialOut(server, PASSWORD, true, s -> () -> { });
        DialOut.State up = await(d, s -> s.phase() == DialOut.Phase.UP, "came up");
        assertEquals(List.of("up [/10.20.1.53] on ppp0"), told);
        assertEquals(List.of("10.20.1.0/24", "everything else (default route)",
                "the LAN's DNS (to the office's server 10.20.1.53)"), up.routes());
        assertEquals(List.of("ppp0"), everythingElseInto);
        // Not in the main table beside the remote network: the router's VPN server answered remote
        // workers into the office by such routes.
        assertEquals(List.of("10.20.1.0/24"), clientDevices.getFirst().routes());

        assertEquals(1, server.pptp().disconnectUser(USER, "test: the server hangs up"));
        await(d, s -> s.phase() == DialOut.Phase.WAITING, "noticed the hang-up");
        assertEquals(List.of("up [/10.20.1.53] on ppp0", "down"), told);
    }

    @Test
    void switchedOffWhileASlowStepRunsItStillHangsUpOnceThatStepEnds() throws Exception {
        // The default route's host-route pin runs `ip`, which can take seconds under load: the
        // switch-off must not be lost behind it, or the old tunnel would stay up beside the next.
        java.util.concurrent.CountDownLatch pinning = new java.util.concurrent.CountDownLatch(1);
        DialOut d = dialOut(server("require-128"), PASSWORD, true, server -> {
            pinning.countDown();
            try {
                Thread.sleep(7000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return () -> { };
        });
        assertTrue(pinning.await(30, TimeUnit.SECONDS), "the tunnel came up and pins its server");
        d.close(); // gives up waiting after 5 s
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!clientDevices.getFirst().isClosed() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(clientDevices.getFirst().isClosed(), "the tunnel was hung up once the slow step ended");
    }

    @Test
    void aServerThatWillNotEncryptNeverGetsTheTunnelWhenMppeIsRequired() throws Exception {
        Appliance server = server("none");
        long started = System.nanoTime();
        DialOut d = dialOut(server, PASSWORD);
        DialOut.State failed = await(d, s -> s.phase() == DialOut.Phase.WAITING, "failed");
        assertTrue(failed.lastFailure().startsWith("client and server could not agree on encryption"),
                failed.lastFailure());
        assertTrue(failed.sinceNanos() - started < Duration.ofSeconds(10).toNanos(),
                "the refusal of CCP ends the attempt at once, not after 30 s");
        assertTrue(clientDevices.isEmpty() || clientDevices.stream().allMatch(InMemoryTunnelDevice::isClosed),
                "no tunnel device carried IP unencrypted");
        assertFalse(events.stream().anyMatch(e -> e.contains("tunnel up")), events.toString());
    }
}
