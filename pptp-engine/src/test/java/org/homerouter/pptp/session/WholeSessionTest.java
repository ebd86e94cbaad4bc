package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.function.BooleanSupplier;
import org.homerouter.pptp.LogCapture;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.pptp.auth.UserDirectory;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.InMemoryUserDirectory;
import org.homerouter.pptp.auth.PeerCredentials;
import org.homerouter.pptp.auth.PppUser;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallIdSpace;
import org.homerouter.pptp.control.CallSetupException;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.OutgoingCallReply;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.tcp.ClientConnection;
import org.homerouter.pptp.control.tcp.ControlClient;
import org.homerouter.pptp.control.tcp.ControlServer;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStrength;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.tunnel.CallTunnels;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;
import org.homerouter.pptp.tunnel.InternetChecksum;
import org.homerouter.pptp.tunnel.IpPacketSink;
import org.homerouter.pptp.tunnel.TunnelDevice;
import org.homerouter.pptp.tunnel.TunnelDeviceFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole sessions in one JVM: the engine's client dials the engine's server, control over real TCP
 * on loopback, GRE over the in-memory network, every PPP timer on a manual clock.
 */
class WholeSessionTest {
    private static final InetAddress SERVER = ip("127.0.0.2");
    private static final InetAddress CLIENT = ip("127.0.0.1");

    private final ManualClock clock = new ManualClock();
    private final InMemoryGreNetwork network = new InMemoryGreNetwork();
    private final Map<String, InMemoryTunnelDevice> devices = new ConcurrentHashMap<>();
    private final List<InMemoryTunnelDevice> created = new CopyOnWriteArrayList<>();
    private final List<String> serverEvents = new CopyOnWriteArrayList<>();
    private final List<String> clientEvents = new CopyOnWriteArrayList<>();
    private final InMemoryUserDirectory users = new InMemoryUserDirectory(PppUser.withPassword("User", "clientPass"),
            PppUser.withPassword("off", "secret").withEnabled(false), PppUser.withPassword("Other", "otherPass"));
    private NettyTransport io;
    private ControlServer server;
    private PppSessions serverSessions;
    private PppSessions clientSessions;
    private CallTunnels serverTunnels;
    /** The server's Call IDs and session limit, as {@link #start} made them. */
    private CallIdAllocator serverCallIds;
    private CallTunnels clientTunnels;
    /** The client's GRE endpoint, as {@link #start} bound it. */
    private GreTransport clientGre;
    /** The server's GRE endpoint, as {@link #start} bound it. */
    private GreTransport serverGre;
    private InetSocketAddress serverAddress;

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private TunnelDeviceFactory devices(String prefix) {
        return config -> {
            InMemoryTunnelDevice d = new InMemoryTunnelDevice(prefix + devices.size(), config);
            devices.put(prefix, d);
            created.add(d);
            return d;
        };
    }

    private SessionListener recorder(List<String> events) {
        return new SessionListener() {
            @Override
            public void authenticated(PppSession s, String userName) {
                events.add("auth " + userName);
            }

            @Override
            public void up(PppSession s) {
                events.add("up");
            }

            @Override
            public void ipDown(PppSession s) {
                events.add("ip down");
            }

            @Override
            public void problem(PppSession s, SessionProblem problem, String detail) {
                events.add("problem " + problem);
            }

            @Override
            public void ended(PppSession s, SessionEnd reason, String detail) {
                if (events == serverEvents) {
                    serverEndDetail = detail;
                }
                // The detail and user first: a test that waits for the event (maybe ended on a
                // control connection's thread) then reads them.
                endDetails.add(reason + ": " + detail);
                endedUsers.add(s.userName().orElse("(none)"));
                events.add("ended " + reason);
            }
        };
    }

    /** How each session ended, with its detail ("AUTH_FAILED: wrong password ..."), both sides. */
    private final List<String> endDetails = new CopyOnWriteArrayList<>();
    /** Who each session was as it ended ({@link PppSession#userName}), both sides. */
    private final List<String> endedUsers = new CopyOnWriteArrayList<>();
    /** The server's accounts when not {@link #users}. */
    private UserDirectory serverUsers;
    private SessionSettings clientSettings;
    private SessionEnvironment clientEnv;

    /** The client's calls from now on log in as {@code user}. */
    private void clientLogsInAs(String user, String password) {
        SessionSettings c = clientSettings;
        clientSettings = new SessionSettings(c.role(), c.localName(), c.lcp(), c.auth(), c.ipcp(), c.mppe(),
                Optional.of(new PeerCredentials(user, password)), c.deviceName());
        clientSessions.reconfigure(clientSettings, clientEnv);
    }

    /** The detail of the server session's end, once it ended. */
    private volatile String serverEndDetail;
    private Map<String, Inet4Address> staticAddresses = Map.of();
    private AuthFailureLockout lockout;
    private String poolEnd = "192.168.250.19";
    /** The server's address pool, as {@link #start} made it. */
    private AddressPool pool;
    /** Pool addresses the host uses itself ({@link AddressPool#avoid}). */
    private java.util.Set<Inet4Address> usedHere = java.util.Set.of();
    /** The server's session limit (pptp.max_sessions). */
    private int serverMaxCalls = 8;
    /** The client's own encryption policy when it differs from the server's; null: the same. */
    private Optional<MppePolicy> clientMppe;
    /** The server's LCP asks the client for no login (a server that is not ours). */
    private boolean serverAsksNoLogin;

    /** The DNS server the server's settings name (null: none), and the host's own, offered when they name none. */
    private Inet4Address settingsDns = (Inet4Address) ip("192.168.1.1");
    private List<Inet4Address> hostDns = List.of((Inet4Address) ip("198.51.100.53"));

    /** What the server's sessions get as their tunnel device, around the in-memory one. */
    private java.util.function.UnaryOperator<TunnelDevice> serverDevice = d -> d;
    /** The server's GRE transport, around the in-memory network's. */
    private java.util.function.UnaryOperator<GreTransport> serverTransport = t -> t;

    private void start(AuthPolicy serverAuth, List<AuthMethod> clientMethods, String user, String password,
                       Optional<MppePolicy> mppe) throws Exception {
        Inet4Address routerSide = (Inet4Address) ip("192.168.250.1");
        pool = new AddressPool((Inet4Address) ip("192.168.250.10"), (Inet4Address) ip(poolEnd), clock);
        pool.avoid(usedHere::contains);
        SessionSettings serverSettings = new SessionSettings(SessionRole.SERVER, "homerouter",
                LcpSettings.server(serverAsksNoLogin ? List.of() : serverAuth.methods()), serverAuth,
                IpcpSettings.server(routerSide, settingsDns, null, null, null), mppe,
                Optional.empty(), "pptp");
        clientSettings = new SessionSettings(SessionRole.CLIENT, "client",
                LcpSettings.client(clientMethods), AuthPolicy.DEFAULT.withMethods(clientMethods.toArray(AuthMethod[]::new)),
                IpcpSettings.client(), clientMppe != null ? clientMppe : mppe,
                Optional.of(new PeerCredentials(user, password)), "ppp");
        Map<String, Inet4Address> statics = staticAddresses;
        SessionEnvironment serverEnv = new SessionEnvironment(clock, new Random(1)::nextBytes,
                serverUsers != null ? serverUsers : users,
                pool, u -> Optional.ofNullable(statics.get(u)), config -> serverDevice.apply(devices("server").open(config)))
                .withHostNameServers(() -> hostDns).withAssignedStaticAddresses(() -> List.copyOf(statics.values()));
        serverSessions = new PppSessions(serverSettings, lockout == null ? serverEnv : serverEnv.withLockout(lockout),
                recorder(serverEvents));
        clientEnv = new SessionEnvironment(clock, new Random(2)::nextBytes, null, null, devices("client"));
        clientSessions = new PppSessions(clientSettings, clientEnv, recorder(clientEvents));

        serverGre = serverTransport.apply(network.bind(SERVER));
        clientGre = network.bind(CLIENT);
        GreDemux serverDemux = new GreDemux();
        GreDemux clientDemux = new GreDemux();
        serverGre.setReceiver(serverDemux);
        clientGre.setReceiver(clientDemux);
        serverTunnels = new CallTunnels(serverGre, serverDemux, clock, GreChannelConfig.DEFAULTS, serverSessions::sinkFor,
                serverSessions);
        clientTunnels = new CallTunnels(clientGre, clientDemux, clock, GreChannelConfig.DEFAULTS, clientSessions::sinkFor,
                clientSessions);
        io = NettyTransport.create(2, "session-io");
        // As the appliance wires its server: a call the pool has no address for is refused as busy.
        serverCallIds = new CallIdAllocator(serverMaxCalls);
        serverCallIds.requireAddress(serverSessions::addressForAnotherCall);
        serverSessions.makeRoomIn(serverCallIds);
        server = new ControlServer(io, new ControlServer.Options(ControlSettings.defaults("pac"), 8, Duration.ofMillis(10),
                clock), serverTunnels, serverCallIds);
        serverAddress = server.start(new InetSocketAddress(SERVER, 0));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ofMillis(200));
            io.shutdown(Duration.ofSeconds(1));
        }
    }

    /** The client connections' allocators share their IDs, as on one router: separate random IDs could collide. */
    private final CallIdSpace clientCallIds = new CallIdSpace();

    private ClientConnection dial() throws Exception {
        return ControlClient.connect(io, serverAddress, ControlSettings.defaults("pns"), clock, Duration.ofMillis(10),
                clientTunnels, new CallIdAllocator(8, RandomGenerator.getDefault(), id -> false, clientCallIds))
                .get(5, TimeUnit.SECONDS);
    }

    /**
     * The PPP protocol of a GRE packet on the in-memory wire, {@code b} left at its information
     * field; -1 for an acknowledgement without payload.
     */
    private static int pppProtocol(ByteBuffer b) {
        var h = org.homerouter.pptp.gre.GreCodec.decode(b);
        return h.payloadLength() == 0 ? -1 : org.homerouter.pptp.ppp.PppFrame.readHeader(b);
    }

    /** Moves packets and time until the condition holds: 100 ms of manual time per round. */
    private void run(String what, BooleanSupplier done) throws InterruptedException {
        for (int round = 0; round < 2000; round++) {
            network.deliverAll();
            if (done.getAsBoolean()) {
                return;
            }
            tick();
        }
        throw new AssertionError("never happened: " + what + "; server " + serverEvents + " client " + clientEvents);
    }

    /** 100 ms of manual time: both sides' and both tunnels' timers. */
    private void tick() throws InterruptedException {
        clock.advanceMillis(100);
        serverSessions.poll();
        clientSessions.poll();
        serverTunnels.poll();
        clientTunnels.poll();
        Thread.sleep(1); // lets the control connections' event loops run
    }

    /**
     * An IPv4 packet as an IP stack sends it: random but for a header that checks out (total
     * length, header checksum), which is what a stateful session's decryptor looks for before it
     * believes a flushed packet's key change.
     */
    /** {@code packets} random IPv4 packets each way, each arriving whole and in order (the devices' first written). */
    private void exchange(Random r, int packets, InMemoryTunnelDevice clientDev, InMemoryTunnelDevice serverDev) {
        for (int i = 0; i < packets; i++) {
            byte[] up = ipv4(r, 20 + r.nextInt(1300));
            byte[] down = ipv4(r, 20 + r.nextInt(1300));
            clientDev.inject(up);
            serverDev.inject(down);
            network.deliverAll();
            assertArrayEquals(up, serverDev.written().get(i));
            assertArrayEquals(down, clientDev.written().get(i));
        }
    }

    private static byte[] ipv4(Random r, int length) {
        byte[] p = new byte[length];
        r.nextBytes(p);
        ByteBuffer b = ByteBuffer.wrap(p);
        b.put(0, (byte) 0x45).putShort(2, (short) length).putShort(10, (short) 0);
        b.putShort(10, InternetChecksum.finish(InternetChecksum.add(0, b, 0, 20)));
        return p;
    }

    /**
     * Out of the box the VPN page names no DNS server. A client offered none has no name service
     * through the tunnel (Android's built-in client uses only what the link gives it): the server
     * offers the DNS servers the router itself uses, as they are when the session starts.
     */
    @Test
    void withNoDnsServerConfiguredClientsGetTheRoutersOwn() throws Exception {
        settingsDns = null;
        hostDns = List.of((Inet4Address) ip("198.51.100.53"), (Inet4Address) ip("198.51.100.54"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        var learned = clientSessions.sessions().getFirst().ipConfiguration().orElseThrow();
        assertEquals(Optional.of(ip("198.51.100.53")), learned.primaryDns().map(a -> (java.net.InetAddress) a));
        assertEquals(Optional.of(ip("198.51.100.54")), learned.secondaryDns().map(a -> (java.net.InetAddress) a));
    }

    @Test
    void msChapV2SessionComesUpAndCarriesIpBothWaysThenHangsUpCleanly() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection client = dial();
        PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        assertEquals(List.of("auth User", "up"), serverEvents);

        PppSession serverSide = serverSessions.sessions().getFirst();
        PppSession clientSide = clientSessions.sessions().getFirst();
        assertEquals("192.168.250.10", serverSide.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getHostAddress());
        assertEquals("192.168.250.10", clientSide.ipConfiguration().orElseThrow().localAddress().orElseThrow().getHostAddress(),
                "the client took the address the server assigned");
        assertEquals("192.168.1.1", clientSide.ipConfiguration().orElseThrow().primaryDns().orElseThrow().getHostAddress(),
                "the client learned the DNS server (RFC 1877): the configured one, not the host's");

        Random r = new Random(3);
        InMemoryTunnelDevice serverDev = devices.get("server");
        InMemoryTunnelDevice clientDev = devices.get("client");
        assertEquals(1400, serverDev.mtu(), "unencrypted, an IP packet may fill the whole MRU");
        exchange(r, 200, clientDev, serverDev);

        client.hangUp(call).get(5, TimeUnit.SECONDS);
        run("both sessions ended", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended"))
                && clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertTrue(serverDev.isClosed() && clientDev.isClosed(), "tunnel devices removed");
        assertTrue(serverSessions.sessions().isEmpty());
        assertEquals(0, serverTunnels.tunnels().size());
    }

    /**
     * The server's "session ended" line names the user, the tunnel device, how long it lasted and
     * the IP it carried each way: before, only the call and the reason, and the owner had to find
     * the rest in lines a small journal may no longer hold.
     */
    @Test
    void theEndOfASessionIsLoggedWithItsUserDeviceLengthAndTraffic() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
            ClientConnection client = dial();
            PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
            run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
            PppSession serverSide = serverSessions.sessions().getFirst();
            InMemoryTunnelDevice serverDev = devices.get("server");
            exchange(new Random(5), 20, devices.get("client"), serverDev);

            client.hangUp(call).get(5, TimeUnit.SECONDS);
            run("the server's session ended", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
            String ended = log.lines().stream().filter(l -> l.startsWith("INFO " + serverSide.id() + ": session ended:"))
                    .findFirst().orElseThrow(() -> new AssertionError(log.lines().toString()));
            assertTrue(serverSide.traffic().bytesIn() > 0 && serverSide.traffic().bytesOut() > 0, "IP went both ways");
            assertTrue(ended.contains(" [user User, device " + serverDev.name() + ", ") && ended.endsWith(" s, "
                    + serverSide.traffic().bytesIn() + " bytes in, " + serverSide.traffic().bytesOut() + " bytes out]"), ended);
        }
    }

    /**
     * The server's GRE as a client hears a server that does not name its own address: its IPCP
     * Configure-Requests lose their IP-Address option (RFC 1332 §3.3 lets a peer leave it out) on
     * the way out, and the client's Configure-Ack of such a request gets it back on the way in
     * (RFC 1661 §5.2: an Ack repeats the request exactly), so that the server itself goes on as
     * usual. {@code stripped} counts the requests that lost it.
     */
    private static GreTransport withoutTheServersOwnAddress(GreTransport t,
                                                           java.util.concurrent.atomic.AtomicInteger stripped) {
        // By Identifier: the request as the server sent it, and as the client got it.
        Map<Integer, byte[][]> requests = new ConcurrentHashMap<>();
        return new GreTransport() {
            @Override
            public void send(InetAddress destination, ByteBuffer packet) throws java.io.IOException {
                t.send(destination, rewriteIpcp(packet, p -> {
                    if (p.code() != org.homerouter.pptp.ppp.ControlPacket.CONFIGURE_REQUEST) {
                        return p;
                    }
                    var options = org.homerouter.pptp.ppp.ConfigOptionCodec.decode(p.data()).orElseThrow();
                    var without = options.stream()
                            .filter(o -> o.type() != org.homerouter.pptp.ppp.ipcp.IpcpOptionType.IP_ADDRESS).toList();
                    if (without.size() == options.size()) {
                        return p;
                    }
                    stripped.incrementAndGet();
                    byte[] data = org.homerouter.pptp.ppp.ConfigOptionCodec.encode(without);
                    requests.put(p.identifier(), new byte[][] {p.data(), data});
                    return new org.homerouter.pptp.ppp.ControlPacket(p.code(), p.identifier(), data);
                }));
            }

            @Override
            public void setReceiver(org.homerouter.pptp.gre.GrePacketReceiver receiver) {
                t.setReceiver((source, packet) -> receiver.onPacket(source, rewriteIpcp(packet, p -> {
                    byte[][] sent = requests.get(p.identifier());
                    return p.code() == org.homerouter.pptp.ppp.ControlPacket.CONFIGURE_ACK && sent != null
                            && java.util.Arrays.equals(p.data(), sent[1])
                            ? new org.homerouter.pptp.ppp.ControlPacket(p.code(), p.identifier(), sent[0]) : p;
                })));
            }

            @Override
            public void close() {
                t.close();
            }
        };
    }

    /**
     * The GRE packet with its IPCP packet, if it carries one, as {@code rewrite} makes it (the
     * same packet when it returns its argument); the GRE header's payload length follows.
     */
    private static ByteBuffer rewriteIpcp(ByteBuffer packet,
                                          java.util.function.UnaryOperator<org.homerouter.pptp.ppp.ControlPacket> rewrite) {
        ByteBuffer b = packet.duplicate();
        var h = org.homerouter.pptp.gre.GreCodec.decode(b);
        if (h.payloadLength() == 0) {
            return packet;
        }
        int payloadAt = b.position();
        ByteBuffer payload = b.slice(payloadAt, h.payloadLength());
        if (org.homerouter.pptp.ppp.PppFrame.readHeader(payload) != org.homerouter.pptp.ppp.PppProtocol.IPCP) {
            return packet;
        }
        int pppHeader = payload.position();
        var ipcp = org.homerouter.pptp.ppp.ControlPacketCodec.decode(payload.duplicate()).orElse(null);
        var rewritten = ipcp == null ? null : rewrite.apply(ipcp);
        if (rewritten == ipcp) {
            return packet;
        }
        byte[] body = org.homerouter.pptp.ppp.ControlPacketCodec.encode(rewritten);
        int length = pppHeader + body.length;
        ByteBuffer out = ByteBuffer.allocate(org.homerouter.pptp.gre.GreHeader.MAX_LENGTH + length);
        org.homerouter.pptp.gre.GreCodec.encode(new org.homerouter.pptp.gre.GreHeader(h.callId(), length,
                h.sequencePresent(), h.sequence(), h.ackPresent(), h.ack()), out);
        out.put(b.slice(payloadAt, pppHeader)).put(body).flip();
        return out;
    }

    /**
     * An office's PPTP server that leaves its own IP-Address out of IPCP (RFC 1332 §3.3 lets it;
     * its address is then unknown) ended the site-to-site dial-out at once: "IPCP came up without
     * the address of the remote server", the tunnel device having no peer address. Now the
     * client's device gets pppd's stand-in (10.64.64.64; 10.64.64.65 when the server assigned this
     * router 10.64.64.64 itself), traffic flows both ways, and the server's address stays unknown
     * where the user sees it (ipConfiguration: "?"), not the stand-in passed off as the server's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"from the pool", "10.64.64.64"})
    void aServerThatDoesNotNameItsOwnAddressStillGivesTheClientAWorkingTunnel(String assigned) throws Exception {
        boolean pool = assigned.equals("from the pool");
        if (!pool) {
            staticAddresses = Map.of("User", (Inet4Address) ip(assigned));
        }
        var stripped = new java.util.concurrent.atomic.AtomicInteger();
        serverTransport = t -> withoutTheServersOwnAddress(t, stripped);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        assertTrue(stripped.get() > 0, "the server's requests went out without its address");

        String local = pool ? "192.168.250.10" : assigned;
        var ip = clientSessions.sessions().getFirst().ipConfiguration().orElseThrow();
        assertEquals(Optional.empty(), ip.peerAddress(), "the server's address stays unknown");
        assertEquals(local, ip.localAddress().orElseThrow().getHostAddress(), "the address the server assigned");
        InMemoryTunnelDevice clientDev = devices.get("client");
        assertEquals(local, clientDev.config().localAddress().getHostAddress());
        assertEquals(pool ? "10.64.64.64" : "10.64.64.65", clientDev.config().peerAddress().getHostAddress(),
                "pppd's stand-in, never this router's own address");

        InMemoryTunnelDevice serverDev = devices.get("server");
        Random r = new Random(4);
        exchange(r, 20, clientDev, serverDev);
        assertEquals(List.of("auth User", "up"), clientEvents, "up, and nothing ended");
    }

    @Test
    void aLinkThePeerClosesEndsOnceAndIsNotReportedAsARenegotiation() throws Exception {
        // The dial-out takes "IP down" for a renegotiation and waits for IP to come back: a link that
        // is ending (LCP Terminate-Request) must only end.
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        clientSessions.sessions().getFirst().close("the user disconnected");
        run("both ended", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended"))
                && clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        for (List<String> events : List.of(serverEvents, clientEvents)) {
            assertEquals(List.of("auth User", "up"), events.subList(0, 2));
            assertEquals(3, events.size(), "up, then ended, nothing between: " + events);
        }
    }

    @Test
    void aSessionGoesOnWorkingWhileTheOsAddsARouteIntoItsTunnel() throws Exception {
        var routing = new java.util.concurrent.CountDownLatch(1);
        var routed = new java.util.concurrent.CountDownLatch(1);
        // iproute2 takes milliseconds; this device's OS takes until the test lets it finish.
        serverDevice = d -> new TunnelDevice() {
            @Override
            public String name() {
                return d.name();
            }

            @Override
            public void write(ByteBuffer ipPacket) throws java.io.IOException {
                d.write(ipPacket);
            }

            @Override
            public void start(IpPacketSink sink) {
                d.start(sink);
            }

            @Override
            public void addRoute(Inet4Address network, int prefixLength) throws java.io.IOException {
                routing.countDown();
                try {
                    routed.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                d.addRoute(network, prefixLength);
            }

            @Override
            public void close() {
                d.close();
            }
        };
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();

        // Threads of their own: the common pool may have a single thread on a 2-core machine.
        var threads = java.util.concurrent.Executors.newCachedThreadPool();
        var branchOffice = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                serverSide.addRoute((Inet4Address) ip("10.1.0.0"), 16);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, threads);
        try {
            routing.await();
            // Its timers (the shared timer thread) and its frames (the shared data-path thread) need
            // the session meanwhile; so does the dashboard.
            var meanwhile = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                serverSide.poll();
                return serverSide.phase();
            }, threads);
            assertEquals(SessionPhase.NETWORK, meanwhile.get(5, TimeUnit.SECONDS), "the session was not held up");
        } finally {
            routed.countDown();
            threads.shutdown();
        }
        branchOffice.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("10.1.0.0/16"), devices.get("server").routes());
    }

    @Test
    void defaultPolicyBringsUpMppe128StatelessAndCarriesIp() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        for (PppSession s : List.of(serverSessions.sessions().getFirst(), clientSessions.sessions().getFirst())) {
            var agreed = s.encryption().orElseThrow();
            assertEquals(org.homerouter.pptp.mppe.MppeStrength.BITS_128, agreed.strength());
            assertTrue(agreed.stateless(), "Windows and pppd ask for stateless: so do we");
            assertTrue(s.dataPath().orElseThrow().encrypted());
        }
        Random r = new Random(4);
        for (int i = 0; i < 100; i++) {
            byte[] up = ipv4(r, 20 + r.nextInt(1300));
            devices.get("client").inject(up);
            network.deliverAll();
            assertArrayEquals(up, devices.get("server").written().get(i));
        }
    }

    /**
     * A spoofer who knows a client's public address sends, as that address, GRE with the call's ID
     * numbered far ahead of the window (s and s + 2^31: one of them always is), carrying an LCP
     * Terminate-Request: the window jumped to it and handed it to PPP, and the session ended as if
     * the client had hung up; at the dial-out, the spoofer's words were the remote server's in the
     * owner's event log. Now only an MPPE datagram passes outside the window (RFC 3078 §3): the
     * session stays up, the genuine peer's next packets put the window right, and the same
     * Terminate-Request in sequence still ends it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"server", "dial-out"})
    void aTerminateRequestNumberedFarAheadOfTheWindowEndsNoSession(String victimSide) throws Exception {
        boolean atServer = victimSide.equals("server");
        InetAddress genuinePeer = atServer ? CLIENT : SERVER;
        boolean[] tapping = {true};
        int[] lastGenuine = new int[1]; // the last data packet's sequence number from the victim's real peer
        network.setImpairment((src, dst, packet) -> {
            var h = org.homerouter.pptp.gre.GreCodec.decode(packet.duplicate());
            if (tapping[0] && src.equals(genuinePeer) && h.sequencePresent()) {
                lastGenuine[0] = h.sequence();
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        PptpCall call = dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        GreTransport spoofer = atServer ? clientGre : serverGre; // sends with the genuine peer's address
        InetAddress victim = atServer ? SERVER : CLIENT;
        int key = atServer ? call.peerCallId() : call.localCallId(); // the victim's own call ID (RFC 2637 §4.1)
        byte[] text = "forged".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] terminate = ByteBuffer.allocate(8 + text.length).put(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21,
                0x05, 0x66, 0, (byte) (4 + text.length)}).put(text).array();

        tapping[0] = false;
        int farAhead = lastGenuine[0] + (1 << 30);
        PeerGre.send(spoofer, victim, key, farAhead, terminate);
        PeerGre.send(spoofer, victim, key, farAhead + (1 << 31), terminate);
        network.deliverAll();
        tapping[0] = true;
        int[] rounds = {0};
        run("five seconds on (RFC 1661 §4.6: a Terminate-Ack, then a Restart period, ends the link)",
                () -> ++rounds[0] > 50);
        assertEquals(List.of("auth User", "up"), atServer ? serverEvents : clientEvents,
                "the forged frames ended nothing: " + endDetails);

        // Traffic from the genuine peer: the window follows it again, and its packets arrive.
        InMemoryTunnelDevice from = devices.get(atServer ? "client" : "server");
        InMemoryTunnelDevice to = devices.get(atServer ? "server" : "client");
        int before = to.written().size();
        Random r = new Random(8);
        for (int i = 0; i < 20; i++) {
            from.inject(ipv4(r, 100));
            network.deliverAll();
        }
        run("the genuine peer's packets arrive", () -> to.written().size() > before);
        assertEquals(List.of("auth User", "up"), serverEvents);
        assertEquals(List.of("auth User", "up"), clientEvents);

        // The same frame numbered next in sequence, as only a spoofer who hits the window can.
        PeerGre.send(spoofer, victim, key, lastGenuine[0] + 1, terminate);
        run("the session ended", () -> (atServer ? serverEvents : clientEvents).contains("ended HUNG_UP"));
        if (!atServer) {
            assertTrue(endDetails.contains("HUNG_UP: the remote server said: forged"), endDetails.toString());
        }
    }

    /**
     * A peer's IPCP Configure-Request in Opened renegotiates IPCP (RFC 1661 §4.2: tld, scr, then the
     * answer) while CCP stays up. The MPPE key streams must go on where they were: restarting them
     * from the start keys would encrypt new data with key stream already used (RFC 3078 §7 changes
     * keys so that never happens), and anyone on the path can send that IPCP packet, since PPP
     * control frames travel in the clear.
     */
    @Test
    void ipcpRenegotiatedWhileMppeIsUpNeverReusesKeyStream() throws Exception {
        List<Integer> serverCounts = new CopyOnWriteArrayList<>();
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            if (src.equals(SERVER) && pppProtocol(b) == org.homerouter.pptp.ppp.PppProtocol.COMPRESSED_DATAGRAM) {
                serverCounts.add(((b.get(b.position()) & 0x0F) << 8) | (b.get(b.position() + 1) & 0xFF));
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        Random r = new Random(6);
        for (int i = 0; i < 20; i++) {
            devices.get("server").inject(ipv4(r, 100));
        }
        network.deliverAll();
        int before = serverCounts.size();
        assertEquals(20, before);

        // The client's address again, in an IPCP Configure-Request (identifier 0x77) as if from the client.
        PppSession serverSide = serverSessions.sessions().getFirst();
        byte[] peer = serverSide.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getAddress();
        ByteBuffer request = ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0x80, 0x21, 0x01, 0x77, 0x00, 0x0A,
                0x03, 0x06, peer[0], peer[1], peer[2], peer[3]});
        serverSide.sink().onPayload(request);
        run("IPCP open again on both sides", () -> serverEvents.stream().filter("up"::equals).count() == 2
                && serverSide.dataPath().isPresent() && clientSessions.sessions().getFirst().dataPath().isPresent());
        for (int i = 0; i < 20; i++) {
            devices.get("server").inject(ipv4(r, 100));
        }
        network.deliverAll();
        assertTrue(serverCounts.size() > before, "data flows again");
        assertTrue(serverCounts.get(before) > serverCounts.get(before - 1),
                "the coherency count went back from " + serverCounts.get(before - 1) + " to " + serverCounts.get(before)
                        + ": key stream used a second time");
        // IPCP down closed the client's tunnel device; its new one got every packet sent since.
        assertEquals(20, devices.get("client").written().size(), "the client decrypted all of it");
    }

    /**
     * Every IPCP renegotiation closes the tunnel interface and opens another on the data path's
     * thread: a client that renegotiates in a loop is hung up after a burst, and one that
     * renegotiates now and then is not.
     */
    @Test
    void aClientThatRenegotiatesOverAndOverIsHungUpAndOneThatDoesSoNowAndThenIsNot() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();

        // Now and then: one renegotiation every 15 s, more in all than the burst.
        for (int i = 1; i <= PppSession.IP_RESTART_BURST + 3; i++) {
            long ups = i + 1;
            renegotiateIpcp(serverSide);
            run("IPCP open again", () -> serverEvents.stream().filter("up"::equals).count() == ups
                    && serverSide.dataPath().isPresent());
            clock.advanceMillis(15_000);
            // The control connections run on this clock too: their keepalive (RFC 2637 §2.4), sent
            // after 60 s of it, must be answered before 60 s more pass, which four rounds take in
            // milliseconds. Each round waits for it, as a real minute would.
            run("control keepalives answered", () -> !client.state().awaitingEchoReply()
                    && server.connections().stream().noneMatch(c -> c.awaitingEchoReply()));
        }
        assertTrue(serverEvents.stream().noneMatch(e -> e.startsWith("ended")), "still up: " + serverEvents);
        assertEquals(PppSession.IP_RESTART_BURST + 3, serverEvents.stream().filter("ip down"::equals).count(),
                "each renegotiation took IP down first, and said so");

        // Over and over: the burst passes, the next one ends the session.
        for (int i = 0; i <= PppSession.IP_RESTART_BURST; i++) {
            long ups = serverEvents.stream().filter("up"::equals).count() + 1;
            renegotiateIpcp(serverSide);
            run("IPCP open again, or the session ended", () -> serverEvents.stream().filter("up"::equals).count() == ups
                    || serverEvents.contains("ended RESTARTED_TOO_OFTEN"));
        }
        run("hung up", () -> serverEvents.contains("ended RESTARTED_TOO_OFTEN"));
        assertEquals(PppSession.IP_RESTART_BURST + 3 + 1 + PppSession.IP_RESTART_BURST,
                serverEvents.stream().filter("up"::equals).count(), "the burst's restarts were let through");
    }

    /**
     * A client with credentials gets no link from a server that does not ask it to log in: without
     * MS-CHAPv2's authenticator response (RFC 2759 §8.8) nothing proves who the server is, and
     * with optional encryption the link would run in clear to whoever answered.
     */
    @Test
    void aClientRefusesALinkOnWhichTheServerAskedForNoLogin() throws Exception {
        serverAsksNoLogin = true;
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass",
                Optional.of(new MppePolicy(java.util.EnumSet.of(org.homerouter.pptp.mppe.MppeStrength.BITS_128), false, true)));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the client ended", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended SERVER_NOT_VERIFIED"), clientEvents);
    }

    /**
     * A client that lost its call without a word (pptp restarted, a laptop back from sleep) dials
     * again at once from the same address, on a new control connection, with the same Call ID
     * (its numbering started afresh): this router's GRE to the two calls would be the same
     * packets. Once the new call has logged in as the same account, the dead one is ended, without
     * a Terminate-Request the new link would take for its own, and the new one gets the account's
     * static address. It used to stay a minute, holding the address and answering the new link's
     * GRE with its own LCP.
     */
    @Test
    void aClientDiallingAgainWithTheSameCallIdTakesItsDeadCallsPlaceOnceLoggedIn() throws Exception {
        staticAddresses = Map.of("User", (Inet4Address) ip("10.8.8.8"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dialWithTheFirstCallId(clientTunnels).placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up"));

        restartTheClient();
        dialWithTheFirstCallId(clientTunnels).placeCall().get(5, TimeUnit.SECONDS);
        run("the new session up", () -> serverEvents.stream().filter("up"::equals).count() == 2);
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("REDIALED: " + CLIENT.getHostAddress()
                + " placed a new call with this one's call ID")), endDetails.toString());
        assertEquals(List.of("10.8.8.8"), serverSessions.sessions().stream()
                .map(x -> x.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getHostAddress()).toList(),
                "the dead session gone, the new one on the static address");
        run("the dead call out of the server's index of calls by address and Call ID",
                () -> serverSessions.peerCallsIndexed() == 1);

        serverSessions.sessions().getFirst().endSilently(SessionEnd.HUNG_UP, "the administrator");
        run("the new call out of it too once ended", () -> serverSessions.peerCallsIndexed() == 0);
    }

    /**
     * The redialled client renegotiates the link (RFC 1661 §4.3: a Configure-Request in Opened,
     * which logs in again) before the server's next tick has ended its dead call: with one session
     * per user allowed, the dead call it replaced still counted, and the re-login was refused as
     * "already has 1 sessions", its user cut off with nothing to show for it.
     */
    @Test
    void aRedialledClientRenegotiatingBeforeItsDeadCallEndedIsNotRefusedForItsOwnOldSession() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        serverSessions.setLimits(new SessionLimits(16, 1));
        dialWithTheFirstCallId(clientTunnels).placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up"));
        PppSession dead = serverSessions.sessions().getFirst();

        restartTheClient();
        dialWithTheFirstCallId(clientTunnels).placeCall().get(5, TimeUnit.SECONDS);
        // As run, but stopping as soon as the new call has logged in: before the tick that ends the dead one.
        for (int round = 0; ; round++) {
            assertTrue(round < 2000, "the new call never logged in: " + serverEvents);
            network.deliverAll();
            if (serverEvents.stream().filter("auth User"::equals).count() == 2) {
                break;
            }
            tick();
        }
        assertFalse(dead.hasEnded(), "the dead call ends at the next tick, not before");
        PppSession redialled = serverSessions.sessions().stream().filter(x -> x != dead).findFirst().orElseThrow();
        // An LCP Configure-Request without options, as if from the client: both sides renegotiate.
        redialled.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x44,
                0x00, 0x04}));
        run("logged in again, and the dead call ended", () -> serverEvents.stream().filter("auth User"::equals)
                .count() == 3 && dead.hasEnded() || serverEvents.stream().anyMatch(e -> e.startsWith("ended TOO_MANY")));
        assertFalse(serverEvents.contains("ended TOO_MANY_SESSIONS"), endDetails.toString());
        assertTrue(dead.hasEnded() && !redialled.hasEnded(), serverEvents.toString());
        assertEquals(List.of(redialled), serverSessions.sessions());
    }

    /**
     * A stranger, no login: each new control connection places a call with the same Call ID as
     * the one before it (which the server matches to it, as a client's redial) and then clears the
     * older one. Each call kept the one before it, which kept the one before that: every call he
     * ever placed (its session, its GRE channel, its control connection) stayed reachable from the
     * live one, and the service ran out of memory in minutes. At most the one just cleared is kept
     * (by the live call that has not logged in yet), however many came before.
     */
    @Test
    void callsReusingACallIdLeaveNothingBehindOnceEnded() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection older = dialWithTheFirstCallId(org.homerouter.pptp.control.CallListener.NONE);
        PptpCall olderCall = older.placeCall().get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
            ClientConnection newer = dialWithTheFirstCallId(org.homerouter.pptp.control.CallListener.NONE);
            PptpCall newerCall = newer.placeCall().get(5, TimeUnit.SECONDS);
            older.hangUp(olderCall).get(5, TimeUnit.SECONDS);
            older.stop().get(5, TimeUnit.SECONDS);
            older = newer;
            olderCall = newerCall;
        }
        run("the cleared calls out of the registry", () -> serverSessions.sessions().size() == 1);
        assertTrue(serverSessions.endedCallsKept() <= 1, serverSessions.endedCallsKept() + " ended calls kept");
    }

    /**
     * A control connection whose calls are numbered as a freshly started PPTP client numbers them:
     * every such connection's first call has the same Call ID.
     */
    private ClientConnection dialWithTheFirstCallId(org.homerouter.pptp.control.CallListener calls) throws Exception {
        return ControlClient.connect(io, serverAddress, ControlSettings.defaults("pns"), clock, Duration.ofMillis(10),
                calls, new CallIdAllocator(8, new Random(7))).get(5, TimeUnit.SECONDS);
    }

    /**
     * The laptop's VPN process dies: its GRE goes nowhere; its TCP connection lingers, as a
     * connection of a machine gone to sleep does. A new process at the same address, with no call yet.
     */
    private void restartTheClient() {
        clientGre.close();
        clientGre = network.bind(CLIENT);
        GreDemux demux = new GreDemux();
        clientGre.setReceiver(demux);
        clientSessions = new PppSessions(clientSettings, clientEnv, recorder(clientEvents));
        clientTunnels = new CallTunnels(clientGre, demux, clock, GreChannelConfig.DEFAULTS, clientSessions::sinkFor,
                clientSessions);
    }

    /** The server's GRE to the client with {@code key} (the client's Call ID), as Linux's kernel PPTP there takes it. */
    private static final class KernelAtTheClient {
        final org.homerouter.pptp.gre.KernelPptpReceiver kernel = new org.homerouter.pptp.gre.KernelPptpReceiver();
        /** The sequence numbers of the data packets the kernel took, and of those it dropped. */
        final List<Integer> taken = new CopyOnWriteArrayList<>();
        final List<Integer> dropped = new CopyOnWriteArrayList<>();

        InMemoryGreNetwork.Impairment watching(int key) {
            return (source, destination, packet) -> {
                ByteBuffer b = packet.duplicate();
                var h = org.homerouter.pptp.gre.GreCodec.decode(b);
                if (source.equals(SERVER) && destination.equals(CLIENT) && h.callId() == key && h.sequencePresent()) {
                    b.limit(b.position() + h.payloadLength());
                    (kernel.takes(h.sequence(), b) ? taken : dropped).add(h.sequence());
                }
                return InMemoryGreNetwork.Fate.DELIVER;
            };
        }
    }

    /**
     * The same client dialling again, its old call still up at the server (a laptop that rebooted,
     * a restarted pptp behind a home NAT): the old call's GRE to the address and Call ID, which the
     * client cannot tell from the new call's (RFC 2637 §4.1), is held back from the moment the new
     * call arrives until the new call has logged in and ended it. Linux's kernel receiver at the
     * client, modelled, takes every packet of the new link. It used to take one of the old call's
     * (LAN traffic to the client, here), numbered in the hundreds, and then drop the new link's LCP,
     * numbered from 0: the first redial failed.
     */
    @Test
    void aClientsOldCallSendsNothingOnceItDialsAgainWithTheSameCallId() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        PptpCall oldCall = dialWithTheFirstCallId(clientTunnels).placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        InMemoryTunnelDevice oldServerDev = devices.get("server");
        exchange(new Random(4), 300, devices.get("client"), oldServerDev);
        var oldChannel = serverTunnels.tunnels().getFirst().channel();
        var sentBefore = oldChannel.counters();
        assertTrue(sentBefore.txPackets() > 300, "the old call's numbers are high: " + sentBefore);

        restartTheClient();
        KernelAtTheClient client = new KernelAtTheClient();
        network.setImpairment(client.watching(oldCall.localCallId()));
        PptpCall newCall = dialWithTheFirstCallId(clientTunnels).placeCall().get(5, TimeUnit.SECONDS);
        assertEquals(oldCall.localCallId(), newCall.localCallId(), "the same Call ID");
        Random r = new Random(5);
        for (int i = 0; i < 3; i++) {
            oldServerDev.inject(ipv4(r, 100)); // the LAN still sends to the old call's address
        }
        run("the new session up, the old one ended", () -> serverEvents.stream().filter("up"::equals).count() == 2
                && clientEvents.stream().filter("up"::equals).count() == 2 && serverEvents.contains("ended REDIALED"));

        assertEquals(List.of(), client.dropped, "the client's kernel took every packet; took " + client.taken);
        var sentAfter = oldChannel.counters();
        assertEquals(sentBefore.txPackets(), sentAfter.txPackets(), "no data or control frame of the old call");
        assertEquals(sentBefore.ackOnlySent(), sentAfter.ackOnlySent(), "no acknowledgement of the old call");
        assertEquals(1, serverSessions.sessions().size(), "the old session ended once the new one logged in");
    }

    /**
     * The old call's own client is alive after all (two clients behind one NAT that numbered their
     * calls alike, say): GRE with our old call's ID, which the newcomer was never told, ends the
     * hold at once, and the old call sends again. (Here the new call is a control connection
     * alone, and its GRE is kept from the old client, which could not tell it from its own.)
     */
    @Test
    void aHeldBackCallSendsAgainOnceItsOwnClientIsHeardFrom() throws Exception {
        HeldBack held = oldCallHeldBackByAControlOnlyCall();
        held.serverDev.inject(ipv4(new Random(6), 100));
        network.deliverAll();
        assertEquals(300, held.clientDev.written().size(), "held back: the LAN's packet did not reach the old client");

        byte[] fromTheClient = ipv4(new Random(7), 100);
        held.clientDev.inject(fromTheClient);
        network.deliverAll();
        assertArrayEquals(fromTheClient, held.serverDev.written().getLast(), "received while held back");
        assertFalse(held.channel.outputHeld(), "its client was heard from");
        byte[] toTheClient = ipv4(new Random(8), 100);
        held.serverDev.inject(toTheClient);
        network.deliverAll();
        assertArrayEquals(toTheClient, held.clientDev.written().getLast(), "the old call sends again");
        assertTrue(serverEvents.stream().noneMatch(e -> e.startsWith("ended")), serverEvents.toString());
    }

    /** The new call ends without logging in (a stranger behind the same NAT, a failed login): the old call sends again. */
    @Test
    void aHeldBackCallSendsAgainOnceTheNewCallEndsWithoutLoggingIn() throws Exception {
        HeldBack held = oldCallHeldBackByAControlOnlyCall();
        held.newConnection.hangUp(held.newCall).get(5, TimeUnit.SECONDS);
        run("the new call's session ended", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertFalse(held.channel.outputHeld());
        byte[] toTheClient = ipv4(new Random(8), 100);
        held.serverDev.inject(toTheClient);
        network.deliverAll();
        assertArrayEquals(toTheClient, held.clientDev.written().getLast(), "the old call sends again");
        assertEquals(1, serverEvents.stream().filter(e -> e.startsWith("ended")).count(), serverEvents.toString());
        assertEquals(1, serverSessions.sessions().size());
    }

    /** Logged in as another account, the new call does not end the old one, nor holds it back any longer. */
    @Test
    void aHeldBackCallSendsAgainOnceTheNewCallLogsInAsAnotherAccount() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dialWithTheFirstCallId(clientTunnels).placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        InMemoryTunnelDevice oldServerDev = devices.get("server");
        var oldChannel = serverTunnels.tunnels().getFirst().channel();

        restartTheClient();
        clientLogsInAs("Other", "otherPass");
        dialWithTheFirstCallId(clientTunnels).placeCall().get(5, TimeUnit.SECONDS);
        assertTrue(oldChannel.outputHeld());
        run("the new session up", () -> serverEvents.stream().filter("up"::equals).count() == 2);
        assertFalse(oldChannel.outputHeld(), "another account's login does not end it, nor hold it back");
        long sent = oldChannel.counters().txPackets();
        oldServerDev.inject(ipv4(new Random(9), 100));
        assertEquals(sent + 1, oldChannel.counters().txPackets(), "the old call sends again");
        assertEquals(2, serverSessions.sessions().size());
    }

    /** An old call, logged in and up, held back by a newer call with its address and Call ID that has no PPP. */
    private record HeldBack(InMemoryTunnelDevice serverDev, InMemoryTunnelDevice clientDev,
                            org.homerouter.pptp.gre.GreChannel channel, ClientConnection newConnection,
                            PptpCall newCall) {
    }

    private HeldBack oldCallHeldBackByAControlOnlyCall() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        PptpCall oldCall = dialWithTheFirstCallId(clientTunnels).placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        InMemoryTunnelDevice serverDev = devices.get("server");
        InMemoryTunnelDevice clientDev = devices.get("client");
        exchange(new Random(4), 300, clientDev, serverDev);
        var channel = serverTunnels.tunnels().getFirst().channel();
        // The new call's GRE (numbered from 0; the old call's are past 300) is kept from the old client.
        network.setImpairment((source, destination, packet) -> {
            var h = org.homerouter.pptp.gre.GreCodec.decode(packet.duplicate());
            return source.equals(SERVER) && h.sequencePresent() && Integer.compareUnsigned(h.sequence(), 100) < 0
                    ? InMemoryGreNetwork.Fate.DROP : InMemoryGreNetwork.Fate.DELIVER;
        });
        ClientConnection newConnection = dialWithTheFirstCallId(org.homerouter.pptp.control.CallListener.NONE);
        PptpCall newCall = newConnection.placeCall().get(5, TimeUnit.SECONDS);
        assertEquals(oldCall.localCallId(), newCall.localCallId(), "the same Call ID");
        assertTrue(channel.outputHeld(), "held back from the moment the new call arrived");
        return new HeldBack(serverDev, clientDev, channel, newConnection, newCall);
    }

    /**
     * The server clears the call without a word on the link (no LCP Terminate): the client's end
     * says what its Call-Disconnect-Notify said (RFC 2637 §2.13), which the owner of a router that
     * dials out reads nowhere else. It said "the PPTP call was cleared" alone.
     */
    @Test
    void aCallTheServerClearsEndsTheClientsSessionSayingWhy() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        serverSessions.sessions().getFirst().endSilently(SessionEnd.HUNG_UP, "the administrator");
        run("the client ended", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("CALL_CLEARED: server disconnected the call: ")),
                endDetails.toString());
    }

    /**
     * Our server hangs up with its reason in the LCP Terminate-Request (RFC 1661 §5.5), which a
     * client shows (pppd: "LCP terminated by peer (disconnected by the administrator)"); it sent
     * none, and the client's user could not tell an administrator's disconnect from a fault.
     */
    @Test
    void aClientHearsWhyTheAdministratorDisconnectedIt() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        serverSessions.sessions().getFirst().close("disconnected by the administrator");
        run("the client ended", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertTrue(endDetails.contains("HUNG_UP: the remote server said: disconnected by the administrator"),
                endDetails.toString());
    }

    /**
     * A server that is stopping closes every session, and its control connections still take calls
     * until they are stopped: a call whose reply was on its way ends for the stop's reason too, in
     * the owner's history and in what the client is told, not later as a mere cleared call.
     */
    @Test
    void aCallSetUpWhileTheServerClosesEverySessionEndsForTheSameReason() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection client = dial();
        assertEquals(List.of(), serverSessions.closeAll("the VPN server is shutting down",
                "The VPN server is shutting down"));
        client.placeCall().get(5, TimeUnit.SECONDS);
        assertEquals("ended HUNG_UP", serverEnd());
        assertEquals("the VPN server is shutting down", serverEndDetail);
        assertFalse(serverEvents.contains("up"), serverEvents.toString());
    }

    /**
     * The administrator disconnects a session still in link setup (here none of the server's frames
     * reach the client, so LCP never opens): its end is the administrator's, with the words given,
     * not "the client stopped answering during link setup".
     */
    @Test
    void aSessionClosedHereDuringLinkSetupEndsAsClosedNotAsASilentClient() throws Exception {
        int[] fromClient = {0};
        network.setImpairment((src, dst, packet) -> {
            if (src.equals(CLIENT)) {
                fromClient[0]++;
                return InMemoryGreNetwork.Fate.DELIVER;
            }
            return InMemoryGreNetwork.Fate.DROP;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the server hears the client's LCP", () -> !serverSessions.sessions().isEmpty() && fromClient[0] >= 2);
        PppSession serverSide = serverSessions.sessions().getFirst();
        assertEquals(SessionPhase.ESTABLISH, serverSide.phase());
        serverSide.close("disconnected by the administrator");
        assertEquals("ended HUNG_UP", serverEnd());
        assertEquals("disconnected by the administrator", serverEndDetail);
    }

    /**
     * A session the server ends for a reason of its own tells the client the reason's words, never
     * its detail, which names another user's address here.
     */
    @Test
    void aClientRefusedAnAddressHearsWhyButNotWhoseAddressItWas() throws Exception {
        poolEnd = "192.168.250.11";
        staticAddresses = Map.of("Bob", (Inet4Address) ip("192.168.250.10"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the first session up", () -> serverEvents.contains("up"));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the second session ended without an address", () -> serverEvents.contains("ended NO_ADDRESS"));
        run("the client ended", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertTrue(endDetails.stream().anyMatch(d -> d.endsWith("the remote server said: No tunnel address left on the VPN server")),
                endDetails.toString());
    }

    /**
     * The server hangs up with a reason in its LCP Terminate-Request (pppd: "MPPE required but
     * peer negotiation failed"): the client's end carries it, the one place the owner of a router
     * that dials out can read it.
     */
    @Test
    void theServersWordsInItsTerminateRequestAreTheClientsEnd() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        byte[] text = "MPPE required but peer negotiation failed".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteBuffer frame = ByteBuffer.allocate(8 + text.length);
        frame.put(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x05, 0x42, 0, (byte) (4 + text.length)}).put(text).flip();
        clientSessions.sessions().getFirst().sink().onPayload(frame);
        run("the client ended", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertTrue(endDetails.contains("HUNG_UP: the remote server said: MPPE required but peer negotiation failed"),
                endDetails.toString());
    }

    /**
     * A server that wants a login method this router cannot answer from its stored password (a
     * head office set to CHAP-MD5): the dial-out's end names it and what to allow there. It said
     * "no LCP agreement" (or, against pppd, which stops asking for a login when it runs out of
     * methods, "the server did not prove that it knows the password", an impostor's description).
     */
    @Test
    void aServerThatWantsALoginMethodThisRouterCannotDoIsNamed() throws Exception {
        start(AuthPolicy.DEFAULT.withMethods(AuthMethod.CHAP_MD5), List.of(AuthMethod.MSCHAP_V2), "User", "clientPass",
                Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the client ended", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended AUTH_METHOD_UNSUPPORTED"), clientEvents);
        assertTrue(endDetails.contains("AUTH_METHOD_UNSUPPORTED: the remote server asked this router to log in with"
                + " CHAP-MD5, which it cannot (it logs in with MS-CHAP v2 only): allow MS-CHAP v2 for this account at"
                + " the remote server"), endDetails.toString());
    }

    /** The client's address again, in an IPCP Configure-Request, as if from the client (RFC 1661 §4.2: IPCP renegotiates). */
    private static void renegotiateIpcp(PppSession serverSide) {
        byte[] peer = serverSide.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getAddress();
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0x80, 0x21, 0x01, 0x77, 0x00,
                0x0A, 0x03, 0x06, peer[0], peer[1], peer[2], peer[3]}));
    }

    /**
     * RFC 1661 §3.5: while the client logs in, anything but LCP and the authentication protocol is
     * silently discarded; once the session is in the Network phase an unknown protocol (IPv6CP
     * here) gets its LCP Protocol-Reject (§5.7).
     */
    @Test
    void anUnknownProtocolIsProtocolRejectedOnlyAfterLogin() throws Exception {
        List<Integer> serverLcpCodes = new CopyOnWriteArrayList<>();
        boolean[] holdLogin = {true};
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            int protocol = pppProtocol(b);
            if (src.equals(CLIENT) && protocol == org.homerouter.pptp.ppp.PppProtocol.CHAP && holdLogin[0]) {
                return InMemoryGreNetwork.Fate.DROP; // the server waits in the Authentication phase
            }
            if (src.equals(SERVER) && protocol == org.homerouter.pptp.ppp.PppProtocol.LCP) {
                serverLcpCodes.add(b.get(b.position()) & 0xFF);
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the server waits for the login", () -> !serverSessions.sessions().isEmpty()
                && serverSessions.sessions().getFirst().phase() == SessionPhase.AUTHENTICATE);
        PppSession serverSide = serverSessions.sessions().getFirst();
        byte[] ipv6cp = {(byte) 0xFF, 0x03, (byte) 0x80, 0x57, 0x01, 0x01, 0x00, 0x04};
        serverSide.sink().onPayload(ByteBuffer.wrap(ipv6cp));
        network.deliverAll();
        assertFalse(serverLcpCodes.contains(8), "Protocol-Reject before login: " + serverLcpCodes);

        holdLogin[0] = false;
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        serverSide.sink().onPayload(ByteBuffer.wrap(ipv6cp));
        network.deliverAll();
        assertTrue(serverLcpCodes.contains(8), "Protocol-Reject once logged in: " + serverLcpCodes);
    }

    /**
     * A frame longer than any the peer may send (our MRU is 1500, RFC 1661 §6.1) is dropped before
     * any state machine reads it: the GRE socket hands up to 64 KiB, and a CHAP Response's 65,000
     * octets of name were kept by the lockout. The same frame at a proper length is answered.
     */
    @Test
    void aFrameLongerThanAnyThePeerMaySendIsDropped() throws Exception {
        List<Integer> serverLcpCodes = new CopyOnWriteArrayList<>();
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            if (src.equals(SERVER) && pppProtocol(b) == org.homerouter.pptp.ppp.PppProtocol.LCP) {
                serverLcpCodes.add(b.get(b.position()) & 0xFF);
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();
        // IPv6CP, which the server answers with a Protocol-Reject (§5.7) once logged in.
        ByteBuffer tooLong = ByteBuffer.allocate(PppSession.MAX_FRAME + 1).put(new byte[] {(byte) 0xFF, 0x03,
                (byte) 0x80, 0x57, 0x01, 0x01, (byte) ((PppSession.MAX_FRAME - 3) >> 8), (byte) (PppSession.MAX_FRAME - 3)})
                .flip().limit(PppSession.MAX_FRAME + 1);
        long discarded = serverSide.framesDiscarded();
        serverSide.sink().onPayload(tooLong);
        network.deliverAll();
        assertFalse(serverLcpCodes.contains(8), "answered: " + serverLcpCodes);
        assertEquals(discarded + 1, serverSide.framesDiscarded());
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0x80, 0x57, 0x01, 0x01, 0x00,
                0x04}));
        network.deliverAll();
        assertTrue(serverLcpCodes.contains(8), "the proper one answered: " + serverLcpCodes);
    }

    /**
     * The control server's per-address limit spares connections whose call carries a logged-in
     * user (many workers behind one office NAT): a call counts so only once its login succeeded.
     */
    @Test
    void aCallCountsAsAWorkingTunnelOnlyOnceItsUserHasLoggedIn() throws Exception {
        boolean[] holdLogin = {true};
        network.setImpairment((src, dst, packet) -> src.equals(CLIENT) && holdLogin[0]
                && pppProtocol(packet.duplicate()) == org.homerouter.pptp.ppp.PppProtocol.CHAP
                ? InMemoryGreNetwork.Fate.DROP : InMemoryGreNetwork.Fate.DELIVER);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the server waits for the login", () -> !serverSessions.sessions().isEmpty()
                && serverSessions.sessions().getFirst().phase() == SessionPhase.AUTHENTICATE);
        List<PptpCall> calls = List.copyOf(server.connections().getFirst().calls());
        assertEquals(1, calls.size());
        assertFalse(calls.getFirst().loggedIn(), "a call still logging in is a stranger's attempt");

        holdLogin[0] = false;
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        assertTrue(calls.getFirst().loggedIn(), "the user logged in on it");
    }

    /**
     * An LCP renegotiation during the login (RFC 1661 §4.3: a lost Configure-Ack, or a forged
     * Configure-Request, since PPP control travels in clear) starts a new authentication exchange.
     * The client's answer to the challenge before it, arriving late, must be discarded as stale:
     * every exchange's Challenge had Identifier 1, so it was judged against the new challenge and
     * the login failed with 691 although the password was right.
     */
    @Test
    void aLateAnswerToTheChallengeBeforeAnLcpRenegotiationDoesNotFailTheLogin() throws Exception {
        List<byte[]> heldAnswers = new CopyOnWriteArrayList<>();
        List<Integer> challengeIds = new CopyOnWriteArrayList<>();
        boolean[] hold = {true};
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            int protocol = pppProtocol(b);
            if (protocol == org.homerouter.pptp.ppp.PppProtocol.CHAP) {
                if (src.equals(SERVER) && b.get(b.position()) == 1) {
                    challengeIds.add(b.get(b.position() + 1) & 0xFF);
                } else if (src.equals(CLIENT) && hold[0]) {
                    byte[] info = new byte[b.remaining()];
                    b.get(info);
                    heldAnswers.add(info);
                    return InMemoryGreNetwork.Fate.DROP;
                }
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the client answered the first challenge", () -> !heldAnswers.isEmpty());
        byte[] lateAnswer = heldAnswers.getFirst();
        PppSession serverSide = serverSessions.sessions().getFirst();
        int firstChallenges = challengeIds.size();
        // An LCP Configure-Request without options, as if from the client: both sides renegotiate.
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x33,
                0x00, 0x04}));
        run("a new exchange challenged and the client answered it", () -> challengeIds.size() > firstChallenges
                && heldAnswers.size() > 1 && serverSide.phase() == SessionPhase.AUTHENTICATE);

        serverSide.sink().onPayload(chapFrame(lateAnswer));
        network.deliverAll();
        assertFalse(serverEvents.stream().anyMatch(e -> e.startsWith("ended")),
                "the late answer to challenge id " + challengeIds.getFirst() + " was judged against the new one (id "
                        + challengeIds.getLast() + "): " + serverEvents);
        hold[0] = false;
        serverSide.sink().onPayload(chapFrame(heldAnswers.getLast()));
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
    }

    private static ByteBuffer chapFrame(byte[] information) {
        ByteBuffer frame = ByteBuffer.allocate(4 + information.length);
        frame.put((byte) 0xFF).put((byte) 0x03).putShort((short) org.homerouter.pptp.ppp.PppProtocol.CHAP).put(information);
        return frame.flip();
    }

    /**
     * A server that challenges again in the network phase (RFC 1994 §3), as accel-ppp with {@code
     * [auth] interval} and pppd with {@code chap-interval} do: the dial-out answered nothing once
     * logged in, and the server hung it up every interval and a few retries, for good. Now it answers
     * (the server's own MS-CHAPv2 code judges it here, sent in as if from the remote server): with
     * the password still right the tunnel stays up, on the same MPPE keys, and carries IP both ways;
     * with the password changed on the server meanwhile, the dial-out ends with the server's words.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theDialOutAnswersAChallengeAfterTheLoginAndStaysUpOrEndsWithTheServersWords(boolean passwordStillRight)
            throws Exception {
        List<org.homerouter.pptp.ppp.ControlPacket> answers = new CopyOnWriteArrayList<>();
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            if (src.equals(CLIENT) && pppProtocol(b) == org.homerouter.pptp.ppp.PppProtocol.CHAP) {
                org.homerouter.pptp.ppp.ControlPacketCodec.decode(b).ifPresent(answers::add);
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession clientSide = clientSessions.sessions().getFirst();
        int firstLogin = answers.size();

        List<org.homerouter.pptp.auth.AuthResult> judged = new CopyOnWriteArrayList<>();
        UserDirectory accounts = passwordStillRight ? users
                : new InMemoryUserDirectory(PppUser.withPassword("User", "changedPass"));
        var again = new org.homerouter.pptp.auth.Authentication(AuthPolicy.DEFAULT.withMaxAttempts(1), clock,
                new Random(9)::nextBytes).authenticator(AuthMethod.MSCHAP_V2, accounts, "homerouter",
                packet -> clientSide.sink().onPayload(chapFrame(
                        org.homerouter.pptp.ppp.ControlPacketCodec.encode(packet))), judged::add, 0x42);
        again.start();
        network.deliverAll();
        assertEquals(firstLogin + 1, answers.size(), "the dial-out answered the new Challenge: " + answers);
        assertEquals(0x42, answers.getLast().identifier());
        again.receive(answers.getLast()); // its Success or Failure goes to the dial-out
        assertEquals(1, judged.size());
        assertEquals(passwordStillRight, judged.getFirst().succeeded(), judged.toString());

        if (!passwordStillRight) {
            run("the dial-out ended", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
            assertEquals(List.of("auth User", "up", "ended AUTH_FAILED"), clientEvents);
            assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("AUTH_FAILED: on a new Challenge after the login:")
                    && d.contains("E=691") && d.contains("Authentication failed")), endDetails.toString());
            return;
        }
        int[] rounds = {0};
        run("ten seconds on", () -> ++rounds[0] > 100);
        assertEquals(List.of("auth User", "up"), clientEvents, "the login was not told again: " + endDetails);
        assertEquals(List.of("auth User", "up"), serverEvents);
        Random r = new Random(10);
        InMemoryTunnelDevice serverDev = devices.get("server");
        InMemoryTunnelDevice clientDev = devices.get("client");
        for (int i = 0; i < 20; i++) {
            byte[] up = ipv4(r, 100);
            byte[] down = ipv4(r, 100);
            clientDev.inject(up);
            serverDev.inject(down);
            network.deliverAll();
            assertArrayEquals(up, serverDev.written().getLast(), "the same MPPE keys on both sides");
            assertArrayEquals(down, clientDev.written().getLast());
        }
    }

    /** The client terminates IPCP alone: with no network protocol left, the session ends and frees its address. */
    @Test
    void aSessionWhoseIpcpThePeerTerminatesEnds() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();
        // IPCP Terminate-Request (code 5, identifier 0x42), as if from the client.
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0x80, 0x21, 0x05, 0x42, 0x00, 0x04}));
        run("the server ends the session", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals("ended HUNG_UP", serverEvents.getLast());
        run("its address is free again", () -> serverSessions.registered() == 0);
    }

    /** A pool of one address serves one session after another: each ended session gives its address back. */
    @Test
    void anEndedSessionsAddressGoesBackToThePool() throws Exception {
        poolEnd = "192.168.250.10";
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        for (int round = 1; round <= 3; round++) {
            long n = round;
            ClientConnection client = dial();
            PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
            run("session " + round + " up", () -> serverEvents.stream().filter("up"::equals).count() == n);
            assertEquals(1, serverSessions.registered());
            assertEquals(0, serverSessions.loggingIn(), "logged in");
            assertEquals(1, serverSessions.sessionsOf("User"));
            assertEquals("192.168.250.10", serverSessions.sessions().getFirst().ipConfiguration().orElseThrow()
                    .peerAddress().orElseThrow().getHostAddress());
            // Each way a link ends: LCP Terminate from the client, the call cleared under it, the client vanishing
            // is the same Down event for IPCP as the second.
            if (round == 1) {
                clientSessions.sessions().getFirst().close("user hung up");
            } else {
                client.hangUp(call).get(5, TimeUnit.SECONDS);
            }
            run("session " + round + " ended", () -> serverEvents.stream().filter(e -> e.startsWith("ended")).count() == n);
            client.stop().get(5, TimeUnit.SECONDS);
            // The registry's own counts (read by the soak benchmark) are back to zero too.
            run("session " + round + " forgotten", () -> serverSessions.registered() == 0);
            assertEquals(0, serverSessions.loggingIn());
            assertEquals(0, serverSessions.sessionsOf("User"));
        }
        assertTrue(serverEvents.stream().noneMatch(e -> e.contains("NO_ADDRESS")), serverEvents.toString());
    }

    /**
     * A call the pool has no address for is refused at its Outgoing-Call-Request as busy (RFC 2637
     * §2.8 result 4), as pptpd refuses calls beyond its remoteip addresses. Before, with more
     * sessions allowed than the pool held, the call was connected, logged in and encrypted, and only
     * then did IPCP fail (NO_ADDRESS): a PPP error on the client after a login that worked.
     */
    @Test
    void aCallThePoolHasNoAddressForIsRefusedAsBusyBeforeAnyPpp() throws Exception {
        poolEnd = "192.168.250.11";
        serverMaxCalls = 3;
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        ClientConnection first = dial();
        PptpCall firstCall = first.placeCall().get(5, TimeUnit.SECONDS);
        dial().placeCall().get(5, TimeUnit.SECONDS);
        // Both still logging in, neither holds an address yet: the pool's two are owed to them.
        ExecutionException e = assertThrows(ExecutionException.class, () -> dial().placeCall().get(5, TimeUnit.SECONDS),
                "the third call is refused");
        CallSetupException refusal = assertInstanceOf(CallSetupException.class, e.getCause());
        assertEquals(OutgoingCallReply.RESULT_BUSY, refusal.resultCode());
        assertEquals(2, serverSessions.registered(), "no PPP session for the refused call");
        run("both sessions up", () -> serverEvents.stream().filter("up"::equals).count() == 2);
        assertEquals(2, serverSessions.registered());
        assertTrue(serverEvents.stream().noneMatch(ev -> ev.contains("NO_ADDRESS")), serverEvents.toString());

        // One hangs up: its address serves the next call.
        first.hangUp(firstCall).get(5, TimeUnit.SECONDS);
        run("its session ended", () -> serverSessions.registered() == 1);
        // Its call ID is released last, after the session's end gave its address back.
        run("its call released", () -> serverCallIds.inUse() == 1);
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the next session up", () -> serverEvents.stream().filter("up"::equals).count() == 3);
        assertTrue(serverEvents.stream().noneMatch(ev -> ev.contains("NO_ADDRESS")), serverEvents.toString());
    }

    /**
     * A control connection from {@code peer}, in memory, that places a call on the server and never
     * speaks PPP (a flooder's, or a client whose GRE never arrives): what the server sent on it.
     */
    private List<org.homerouter.pptp.control.ControlMessage> silentCallFrom(String peer) {
        List<org.homerouter.pptp.control.ControlMessage> sent = new CopyOnWriteArrayList<>();
        var pac = new org.homerouter.pptp.control.PacControlConnection(
                new org.homerouter.pptp.control.InlineControlLink(ip(peer), sent::add), clock,
                ControlSettings.defaults("pac"), serverTunnels, serverCallIds);
        pac.onMessage(new org.homerouter.pptp.control.StartControlConnectionRequest(
                org.homerouter.pptp.control.ControlProtocol.PROTOCOL_VERSION, 1, 1, 0, 1, "flood", "test"));
        pac.onMessage(new org.homerouter.pptp.control.OutgoingCallRequest(nextSilentCallId++, 1, 300, 100_000_000, 3, 3,
                64, 0, "", ""));
        return sent;
    }

    private int nextSilentCallId = 100;

    /** The Outgoing-Call-Reply among {@code sent}. */
    private static OutgoingCallReply callReply(List<org.homerouter.pptp.control.ControlMessage> sent) {
        return sent.stream().filter(OutgoingCallReply.class::isInstance).map(OutgoingCallReply.class::cast)
                .findFirst().orElseThrow();
    }

    /**
     * Calls that never log in, from two hosts, fill the places: a small pool's addresses, all owed
     * to them, or the session limit. They held each place until LCP gave up (30 s) and placed the
     * call again, and every real user was refused as busy (Windows error 619/807) for as long as
     * they liked; the rules that make logins in progress give way were never asked, as the call was
     * refused before it had a session. Now the host holding the most gives up its oldest: the user
     * gets its place and logs in, and the silent call is ended, its call cleared with a
     * Call-Disconnect-Notify (RFC 2637 §2.13).
     */
    @ParameterizedTest
    @ValueSource(strings = {"addresses", "session limit"})
    void silentCallsFillingEveryPlaceGiveWayToARealUser(String place) throws Exception {
        if (place.equals("addresses")) {
            poolEnd = "192.168.250.13"; // four addresses for four staff
        } else {
            serverMaxCalls = 4;
        }
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        List<List<org.homerouter.pptp.control.ControlMessage>> flood = List.of(silentCallFrom("198.51.100.1"),
                silentCallFrom("198.51.100.1"), silentCallFrom("198.51.100.2"), silentCallFrom("198.51.100.2"));
        for (var sent : flood) {
            assertEquals(OutgoingCallReply.RESULT_CONNECTED, callReply(sent).resultCode());
        }
        assertEquals(4, serverSessions.loggingIn(), "every place taken by a call that never logs in");

        dial().placeCall().get(5, TimeUnit.SECONDS); // was refused: busy
        // The places are full again: the second host, holding as many as the first now, is not
        // given one by the first (it gives way only while it would still hold more).
        assertEquals(OutgoingCallReply.RESULT_BUSY, callReply(silentCallFrom("198.51.100.2")).resultCode());
        run("the user's session up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        assertTrue(serverEvents.contains("auth User"), serverEvents.toString());
        run("the oldest silent call of the first host ended", () -> serverEvents.contains("ended MADE_ROOM"));
        int victim = callReply(flood.getFirst()).callId();
        run("and its call cleared", () -> flood.getFirst().stream().anyMatch(m ->
                m instanceof org.homerouter.pptp.control.CallDisconnectNotify cdn && cdn.callId() == victim));
        assertEquals(1, serverEvents.stream().filter(e -> e.startsWith("ended")).count(), serverEvents.toString());
        assertTrue(endDetails.contains("MADE_ROOM: a newer call needed its place (every session place or tunnel"
                + " address was taken)"), endDetails.toString());
    }

    /**
     * Only a call still logging in gives way: with every address held by a session logged in, a
     * newcomer is refused as busy (RFC 2637 §2.8 result 4), however long those have been up and
     * from whichever host it comes, and no session ends for it.
     */
    @Test
    void aPoolFullOfLoggedInSessionsStillAnswersBusyAndEndsNone() throws Exception {
        poolEnd = "192.168.250.11";
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.stream().filter("up"::equals).count() == 2);
        clock.advanceMillis(java.util.concurrent.TimeUnit.SECONDS.toMillis(PppSessions.UNANSWERED_GRACE_SECONDS + 5));

        ExecutionException e = assertThrows(ExecutionException.class, () -> dial().placeCall().get(5, TimeUnit.SECONDS));
        assertEquals(OutgoingCallReply.RESULT_BUSY, assertInstanceOf(CallSetupException.class, e.getCause()).resultCode());
        assertEquals(OutgoingCallReply.RESULT_BUSY, callReply(silentCallFrom("198.51.100.9")).resultCode());
        int[] rounds = {0};
        run("ten seconds on", () -> ++rounds[0] > 100);
        assertTrue(serverEvents.stream().noneMatch(ev -> ev.startsWith("ended")), serverEvents.toString());
        assertEquals(2, serverSessions.sessions().size());
    }

    /**
     * The site-to-site dial-out holds the pool's first address (the remote's pool is this router's
     * too): a pool of two then serves one call, and the second is busy rather than logged in for an
     * address that will never come.
     */
    @Test
    void anAddressThisHostUsesItselfLeavesNoRoomForACall() throws Exception {
        poolEnd = "192.168.250.11";
        usedHere = java.util.Set.of((Inet4Address) ip("192.168.250.10"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> dial().placeCall().get(5, TimeUnit.SECONDS),
                "the second call is refused");
        assertEquals(OutgoingCallReply.RESULT_BUSY, assertInstanceOf(CallSetupException.class, e.getCause()).resultCode());
        run("the first session up", () -> serverEvents.stream().filter("up"::equals).count() == 1);
        assertEquals(List.of("192.168.250.11"), serverSessions.sessions().stream()
                .map(x -> x.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getHostAddress()).toList());
    }

    /**
     * With the pool's addresses spoken for, a call is still answered while a user's static address
     * outside the pool is held by nobody: PPTP does not say who calls, and it may be that user.
     */
    @Test
    void aFreeStaticAddressOutsideThePoolLeavesRoomForOneMoreCall() throws Exception {
        poolEnd = "192.168.250.10";
        staticAddresses = Map.of("User", (Inet4Address) ip("10.8.8.8"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        dial().placeCall().get(5, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> dial().placeCall().get(5, TimeUnit.SECONDS),
                "the pool's address and the static one are both spoken for");
        assertEquals(OutgoingCallReply.RESULT_BUSY, assertInstanceOf(CallSetupException.class, e.getCause()).resultCode());
        // In words, for the owner of a router that dials out (it said "result 4, error 0" only).
        assertTrue(e.getCause().getMessage().startsWith("server refused the call: busy: the server has no free line"),
                e.getCause().getMessage());
        run("both sessions up", () -> serverEvents.stream().filter("up"::equals).count() == 2);
        assertEquals(java.util.Set.of("10.8.8.8", "192.168.250.10"), serverSessions.sessions().stream()
                .map(s -> s.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getHostAddress())
                .collect(java.util.stream.Collectors.toSet()));
    }

    /**
     * pppd with require-mppe starts IPCP only once CCP is Opened and answers an earlier IPCP
     * Configure-Request with Terminate-Ack, stalling IPCP for a restart period: neither of our
     * ends may send IPCP before CCP Configure-Acks have crossed both ways.
     */
    @Test
    void withMppeNoIpcpIsSentBeforeCcpIsOpenedOnBothSides() throws Exception {
        List<String> wire = new CopyOnWriteArrayList<>();
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            int protocol = pppProtocol(b);
            if (protocol >= 0) {
                String side = src.equals(SERVER) ? "server" : "client";
                if (protocol == org.homerouter.pptp.ppp.PppProtocol.CCP) {
                    wire.add(side + " CCP " + (b.get(b.position()) & 0xFF));
                } else if (protocol == org.homerouter.pptp.ppp.PppProtocol.IPCP) {
                    wire.add(side + " IPCP " + (b.get(b.position()) & 0xFF));
                }
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));

        int firstIpcp = -1;
        for (int i = 0; i < wire.size() && firstIpcp < 0; i++) {
            firstIpcp = wire.get(i).contains("IPCP") ? i : -1;
        }
        int serverAck = wire.indexOf("server CCP 2");
        int clientAck = wire.indexOf("client CCP 2");
        assertTrue(serverAck >= 0 && clientAck >= 0 && firstIpcp > Math.max(serverAck, clientAck),
                "IPCP before CCP was open: " + wire);
        assertEquals(1, wire.stream().filter("server IPCP 1"::equals).count(),
                "the server's IPCP Configure-Request went unanswered and was repeated: " + wire);
    }

    @Test
    void statefulMppeRecoversFromLossThroughResetRequests() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass",
                Optional.of(MppePolicy.DEFAULT.preferringStateful()));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();
        assertTrue(!serverSide.encryption().orElseThrow().stateless(), "stateful negotiated");

        // Every tenth encrypted frame from the client is lost on the way.
        int[] data = {0};
        network.setImpairment((src, dst, packet) -> {
            if (!src.equals(CLIENT)) {
                return InMemoryGreNetwork.Fate.DELIVER;
            }
            if (pppProtocol(packet.duplicate()) != org.homerouter.pptp.ppp.PppProtocol.COMPRESSED_DATAGRAM) {
                return InMemoryGreNetwork.Fate.DELIVER;
            }
            return ++data[0] % 10 == 0 ? InMemoryGreNetwork.Fate.DROP : InMemoryGreNetwork.Fate.DELIVER;
        });
        Random r = new Random(5);
        java.util.Set<String> sent = new java.util.HashSet<>();
        InMemoryTunnelDevice clientDev = devices.get("client");
        InMemoryTunnelDevice serverDev = devices.get("server");
        for (int i = 0; i < 300; i++) {
            byte[] up = ipv4(r, 20 + r.nextInt(1300));
            sent.add(java.util.HexFormat.of().formatHex(up));
            clientDev.inject(up);
            network.deliverAll();
            // Time passes between packets: GRE gives up on gaps, CCP's Reset-Request goes out and is answered.
            clock.advanceMillis(150);
            serverTunnels.poll();
            clientTunnels.poll();
            serverSessions.poll();
            clientSessions.poll();
            network.deliverAll();
        }
        int deliveredWhileLossy = serverDev.written().size();
        for (byte[] p : serverDev.written()) {
            assertTrue(sent.contains(java.util.HexFormat.of().formatHex(p)), "never garbage: only packets that were sent");
        }
        assertTrue(deliveredWhileLossy >= 200, "most packets survive 10% loss: " + deliveredWhileLossy);
        assertTrue(deliveredWhileLossy < 300);
        assertTrue(serverSide.dataPath().orElseThrow().drops(IpDataPath.Drop.RESET_REQUIRED) > 0,
                "losses were noticed and resynchronised through CCP Reset-Request");

        network.setImpairment(InMemoryGreNetwork.Impairment.NONE);
        // The last loss is only noticed when the next packet arrives: a few packets with time passing
        // let GRE give up on its gap and CCP finish the reset.
        for (int i = 0; i < 5; i++) {
            clientDev.inject(ipv4(r, 100));
            run("packet " + i + " after the losses handled", () -> true);
            clock.advanceMillis(1100);
            serverTunnels.poll();
            serverSessions.poll();
            clientSessions.poll();
            network.deliverAll();
        }
        int settled = serverDev.written().size();
        for (int i = 0; i < 50; i++) {
            byte[] up = ipv4(r, 20 + r.nextInt(1300));
            clientDev.inject(up);
            network.deliverAll();
            assertArrayEquals(up, serverDev.written().get(settled + i), "in step again after the losses");
        }
        assertEquals(1, serverSessions.sessions().size(), "the session survived");
    }

    /** The server's one session up with MPPE, the client's too. */
    private PppSession upWithMppe(MppePolicy policy) throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(policy));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        return serverSessions.sessions().getFirst();
    }

    private String serverEnd() throws InterruptedException {
        run("the server's session ended", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        return serverEvents.stream().filter(e -> e.startsWith("ended")).findFirst().orElseThrow();
    }

    /**
     * The client ends CCP while MPPE is up (a CCP Terminate-Request, RFC 1661 §5.5, here as if from
     * the client): no cleartext may follow (RFC 3078 §4) and MPPE cannot restart on the same keys,
     * so the session ends, whether encryption is required or optional (once MPPE was agreed, IP
     * never goes on in clear). The owner must read that encryption was lost, not "closed normally".
     */
    @ParameterizedTest(name = "MPPE required: {0}")
    @ValueSource(booleans = {true, false})
    void encryptionTheClientStopsWhileUpEndsAsEncryptionLostNotAsAHangUp(boolean required) throws Exception {
        PppSession serverSide = upWithMppe(new MppePolicy(EnumSet.of(MppeStrength.BITS_128), required, true));
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0x80, (byte) 0xFD,
                0x05, 0x66, 0x00, 0x04}));
        assertEquals("ended ENCRYPTION_LOST", serverEnd());
        assertTrue(serverEndDetail.contains("the client stopped encrypting"), serverEndDetail);
    }

    /** 128-bit MPPE if the client will: the VPN server page's "Optional" encryption. */
    private static final MppePolicy OPTIONAL_128 = new MppePolicy(EnumSet.of(MppeStrength.BITS_128), false, true);

    /**
     * Encryption optional, and CCP opened without it (the client does 40-bit MPPE only, the server
     * 128-bit only: each rejects the other's option, RFC 3078 §2). Then the client renegotiates CCP
     * (a Configure-Request in Opened, RFC 1661 §4.3) or ends it (a Terminate-Request, §5.5), here
     * as if from the client. Renegotiated, IP stops while CCP is not Opened and comes back, in
     * clear, once CCP has settled again; ended, it stays up (nothing was encrypted). It never came back: CCP going down dropped what IPCP had negotiated, and
     * IPCP, still Opened, never says it again: LCP up, keepalives answered, no tunnel device and
     * no IP until the user hung up.
     */
    @ParameterizedTest
    @ValueSource(strings = {"renegotiates", "ends"})
    void ccpOpenedWithoutEncryptionThatTheClientRenegotiatesOrEndsCarriesIpAgain(String client) throws Exception {
        clientMppe = Optional.of(new MppePolicy(EnumSet.of(MppeStrength.BITS_40), false, true));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(OPTIONAL_128));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();
        assertEquals(Optional.empty(), serverSide.encryption(), "CCP opened without encryption");

        byte code = client.equals("renegotiates") ? (byte) 1 : (byte) 5; // Configure-Request (no options), Terminate-Request
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0x80, (byte) 0xFD,
                code, 0x66, 0x00, 0x04}));
        // Ended, CCP had encrypted nothing: the server's IP stays up meanwhile (the client, whose
        // CCP heard an unexpected Terminate-Ack, renegotiates its own, RFC 1661 §4.1 RTA in Opened).
        boolean ends = client.equals("ends");
        run("IP up again on both sides", () -> serverEvents.stream().filter("up"::equals).count() == (ends ? 1 : 2)
                && clientEvents.stream().filter("up"::equals).count() == 2);
        assertEquals(ends ? List.of("auth User", "up") : List.of("auth User", "up", "ip down", "up"), serverEvents);
        assertTrue(serverSide.deviceName().isPresent(), "the tunnel device is there again");
        assertEquals(Optional.empty(), serverSide.encryption());
        assertFalse(serverSide.dataPath().orElseThrow().encrypted(), "in clear, as CCP agreed");
        Random r = new Random(9);
        for (int i = 0; i < 10; i++) {
            byte[] up = ipv4(r, 100);
            byte[] down = ipv4(r, 100);
            devices.get("client").inject(up);
            devices.get("server").inject(down);
            network.deliverAll();
            assertArrayEquals(up, devices.get("server").written().getLast(), "the client's packet arrived");
            assertArrayEquals(down, devices.get("client").written().getLast(), "the server's packet arrived");
        }
    }

    /**
     * Encryption optional, and CCP gave up (here the client's CCP packets were lost until the
     * server's Configure-Requests ran out, RFC 1661 §4.6): the session went on in clear. A request
     * for MPPE that comes later (here as if from the client) was answered from Stopped (§4.1: irc,
     * scr, sca), CCP opened with MPPE agreed both ways, and the server went on sending IPv4 in
     * clear to a client that now encrypts, and dropping what it sent. A CCP that gave up stays
     * closed: the request gets a Terminate-Ack (§4.1, Closed), and IP goes on in clear as agreed.
     */
    @Test
    void aRequestForMppeAfterCcpGaveUpIsTurnedDownSoNoClearIpFollowsMppeAgreed() throws Exception {
        boolean[] clientCcpLost = {true};
        List<String> serverSent = new CopyOnWriteArrayList<>();
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            int protocol = pppProtocol(b);
            if (src.equals(CLIENT) && protocol == org.homerouter.pptp.ppp.PppProtocol.CCP && clientCcpLost[0]) {
                return InMemoryGreNetwork.Fate.DROP;
            }
            if (src.equals(SERVER) && protocol == org.homerouter.pptp.ppp.PppProtocol.CCP) {
                serverSent.add("CCP " + (b.get(b.position()) & 0xFF));
            } else if (src.equals(SERVER) && protocol == org.homerouter.pptp.ppp.PppProtocol.IPV4) {
                serverSent.add("IPv4");
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(OPTIONAL_128));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up in clear, CCP given up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();
        clientCcpLost[0] = false;
        serverSent.clear();

        // The client asks to receive 128-bit stateless MPPE (option 18 with H and S, RFC 3078 §2).
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0x80, (byte) 0xFD,
                0x01, 0x66, 0x00, 0x0A, 0x12, 0x06, 0x01, 0x00, 0x00, 0x40}));
        int[] rounds = {0};
        run("ten seconds on", () -> ++rounds[0] > 100);
        Random r = new Random(10);
        for (int i = 0; i < 10; i++) {
            byte[] down = ipv4(r, 100);
            devices.get("server").inject(down);
            network.deliverAll();
            assertArrayEquals(down, devices.get("client").written().getLast(), "the server's packet arrived");
        }
        int acked = serverSent.indexOf("CCP 2");
        assertTrue(acked < 0 || !serverSent.subList(acked, serverSent.size()).contains("IPv4"),
                "IPv4 in clear after the server acknowledged a request for MPPE: " + serverSent);
        assertTrue(serverSent.contains("CCP 6"), "the request got a Terminate-Ack: " + serverSent);
        for (PppSession s : List.of(serverSide, clientSessions.sessions().getFirst())) {
            assertEquals(Optional.empty(), s.encryption());
            assertFalse(s.dataPath().orElseThrow().encrypted());
        }
        assertEquals(List.of("auth User", "up"), serverEvents);
    }

    /**
     * Stateful MPPE after a lost packet waits for a flushed one, asking with CCP Reset-Requests
     * (RFC 3078 §8): a client that never answers them leaves the session unable to decrypt
     * anything, and it ends as encryption lost, saying why.
     */
    @Test
    void statefulResetRequestsLeftUnansweredEndAsEncryptionLost() throws Exception {
        PppSession serverSide = upWithMppe(MppePolicy.DEFAULT.preferringStateful());
        assertFalse(serverSide.encryption().orElseThrow().stateless());
        int[] data = {0};
        // The client's first data packet is lost; from then on its CCP (the Reset-Acks) and its
        // flushed packets (the answer a reset asks for) never arrive.
        network.setImpairment((src, dst, packet) -> {
            if (!src.equals(CLIENT)) {
                return InMemoryGreNetwork.Fate.DELIVER;
            }
            ByteBuffer b = packet.duplicate();
            int protocol = pppProtocol(b);
            if (protocol == org.homerouter.pptp.ppp.PppProtocol.CCP) {
                return InMemoryGreNetwork.Fate.DROP;
            }
            if (protocol == org.homerouter.pptp.ppp.PppProtocol.COMPRESSED_DATAGRAM) {
                boolean flushed = (b.get(b.position()) & 0x80) != 0;
                return ++data[0] == 1 || flushed ? InMemoryGreNetwork.Fate.DROP : InMemoryGreNetwork.Fate.DELIVER;
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        Random r = new Random(7);
        for (int i = 0; i < 300 && serverEvents.stream().noneMatch(e -> e.startsWith("ended")); i++) {
            devices.get("client").inject(ipv4(r, 100));
            network.deliverAll();
            clock.advanceMillis(200);
            serverTunnels.poll();
            clientTunnels.poll();
            serverSessions.poll();
            clientSessions.poll();
            network.deliverAll();
        }
        assertEquals("ended ENCRYPTION_LOST", serverEnd());
        assertTrue(serverEndDetail.contains("did not answer this router's CCP Reset-Requests"), serverEndDetail);
    }

    /** A stream of the client's packets that do not decrypt (RFC 3078 §3 header without the Encrypted bit). */
    @Test
    void packetsThatKeepFailingToDecryptEndAsEncryptionLost() throws Exception {
        PppSession serverSide = upWithMppe(MppePolicy.DEFAULT);
        for (int i = 0; i < org.homerouter.pptp.mppe.MppeDecryptor.DEFAULT_MAX_BAD_PACKETS + 2
                && serverEvents.stream().noneMatch(e -> e.startsWith("ended")); i++) {
            serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, 0x00, (byte) 0xFD,
                    (byte) 0x80, (byte) i, 1, 2, 3, 4}));
        }
        assertEquals("ended ENCRYPTION_LOST", serverEnd());
        assertTrue(serverEndDetail.contains("failed to decrypt"), serverEndDetail);
    }

    /** The client's Netty channel, to break its TCP connection the way a network does. */
    private static Channel channelOf(ClientConnection client) throws Exception {
        var f = ClientConnection.class.getDeclaredField("channel");
        f.setAccessible(true);
        return (Channel) f.get(client);
    }

    /**
     * The control connection reset under an up session (SO_LINGER 0: the close sends a TCP RST, as a
     * NAT or firewall that drops the connection does): a failure with its reason, not "cleared".
     */
    @Test
    void aControlConnectionResetUnderAnUpSessionEndsAsControlLost() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        var channel = channelOf(client);
        channel.eventLoop().submit(() -> {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            channel.close();
        }).get(5, TimeUnit.SECONDS);
        assertEquals("ended CONTROL_LOST", serverEnd());
        assertTrue(serverEndDetail.contains("the TCP connection failed"), serverEndDetail);
    }

    /**
     * This router was already closing the link (the administrator's Disconnect) when the control
     * connection was reset: the reset only cut the goodbye short, and the end stays a normal one.
     */
    @Test
    void aResetAfterTheLinkWasClosedHereIsNoControlLoss() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        // No Terminate-Ack gets back: the session is still closing when the reset comes.
        network.setImpairment((src, dst, packet) -> InMemoryGreNetwork.Fate.DROP);
        serverSessions.sessions().getFirst().close("disconnected by the administrator");
        var channel = channelOf(client);
        channel.eventLoop().submit(() -> {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            channel.close();
        }).get(5, TimeUnit.SECONDS);
        String end = serverEnd();
        assertTrue(end.equals("ended HUNG_UP") || end.equals("ended CALL_CLEARED"), end + ": " + serverEndDetail);
    }

    /** A control message that cannot be decoded ends the connection (no resync in PPTP), and the session as lost. */
    @Test
    void aGarbledControlMessageUnderAnUpSessionEndsAsControlLost() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        // A control message header with a wrong Magic Cookie (RFC 2637 §2: 0x1A2B3C4D).
        byte[] garbage = {0x00, 0x10, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78, 0, 5, 0, 0, 0, 0, 0, 0};
        channelOf(client).writeAndFlush(Unpooled.wrappedBuffer(garbage)).get(5, TimeUnit.SECONDS);
        assertEquals("ended CONTROL_LOST", serverEnd());
        assertTrue(serverEndDetail.contains("malformed message"), serverEndDetail);
    }

    /** The three orderly ways a client hangs up stay normal ends, with MPPE up too. */
    @ParameterizedTest
    @ValueSource(strings = {"LCP Terminate-Request", "Call-Clear-Request", "Stop-Control-Connection-Request"})
    void aClientThatHangsUpInOrderEndsNormally(String how) throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        ClientConnection client = dial();
        PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        switch (how) {
            case "LCP Terminate-Request" -> clientSessions.sessions().getFirst().close("the user disconnected");
            case "Call-Clear-Request" -> client.hangUp(call).get(5, TimeUnit.SECONDS);
            default -> client.stop().get(5, TimeUnit.SECONDS);
        }
        String end = serverEnd();
        assertTrue(end.equals("ended HUNG_UP") || end.equals("ended CALL_CLEARED"), end);
    }

    /**
     * A path that drops GRE packets above 1300 octets (a PPPoE or mobile link below, "fragmentation
     * needed" filtered): the session comes up, pings would work, and large packets vanish. The
     * server finds out by itself, says so, and lowers the session's tunnel MTU so that what the OS
     * sends from then on crosses.
     */
    @Test
    void aPathThatLosesLargePacketsIsDiagnosedAsMtuTroubleAndTheTunnelMtuLowered() throws Exception {
        int pathLimit = 1300;
        network.setImpairment((src, dst, packet) -> packet.remaining() > pathLimit
                ? InMemoryGreNetwork.Fate.DROP : InMemoryGreNetwork.Fate.DELIVER);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        run("MTU trouble found", () -> serverEvents.contains("problem MTU_TROUBLE"));

        PppSession serverSide = serverSessions.sessions().getFirst();
        assertEquals(SessionProblem.MTU_TROUBLE, serverSide.problem().orElseThrow());
        assertTrue(serverSide.problemDetail().startsWith("1400-octet frames are lost"), serverSide.problemDetail());
        InMemoryTunnelDevice serverDev = devices.get("server");
        InMemoryTunnelDevice clientDev = devices.get("client");
        int mtu = serverDev.mtu();
        // GRE header (≤ 16) and PPP header (4) ride on top; the search stops within 8 octets.
        assertTrue(mtu <= pathLimit - 16 - 4 - 4 && mtu > pathLimit - 16 - 4 - 4 - 8 - 4, "tunnel MTU " + mtu);
        assertTrue(serverSide.problemDetail().endsWith("lowered to " + mtu + " for this session"));

        Random r = new Random(7);
        int before = clientDev.written().size();
        for (int i = 0; i < 20; i++) {
            byte[] down = ipv4(r, mtu);
            serverDev.inject(down);
            network.deliverAll();
            assertArrayEquals(down, clientDev.written().get(before + i), "a packet of the new MTU crosses");
        }
        assertEquals(List.of("auth User", "up", "problem MTU_TROUBLE"), serverEvents, "the session stays up");
    }

    @Test
    void aGoodPathRaisesNoProblem() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        // A minute and a half: the probe's rounds and a few keepalives.
        for (int i = 0; i < 900; i++) {
            clock.advanceMillis(100);
            serverSessions.poll();
            clientSessions.poll();
            network.deliverAll();
        }
        PppSession serverSide = serverSessions.sessions().getFirst();
        assertTrue(serverSide.problem().isEmpty());
        assertEquals(1396, devices.get("server").mtu(), "the MTU stays (the MRU of 1400 less MPPE's 4 octets)");
        assertEquals(List.of("auth User", "up"), serverEvents);
    }

    @Test
    void aTunnelInterfaceRemovedUnderASessionEndsThatSessionAndNoOther() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("two sessions up", () -> serverEvents.stream().filter("up"::equals).count() == 2
                && clientEvents.stream().filter("up"::equals).count() == 2);
        List<InMemoryTunnelDevice> serverDevices = created.stream().filter(d -> d.name().startsWith("server")).toList();
        InMemoryTunnelDevice doomed = serverDevices.get(0);
        InMemoryTunnelDevice survivor = serverDevices.get(1);

        doomed.fail("read: File descriptor in bad state (EBADFD)");
        run("that session ends", () -> serverEvents.contains("ended DEVICE_FAILED"));
        run("its client is hung up on", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(1, serverEvents.stream().filter(e -> e.startsWith("ended")).count(), "only one server session ended");
        assertEquals(1, serverSessions.sessions().size());
        assertTrue(doomed.isClosed());

        InMemoryTunnelDevice survivorClient = created.stream().filter(d -> d.name().startsWith("client")
                && d.config().localAddress().equals(survivor.config().peerAddress())).findFirst().orElseThrow();
        Random r = new Random(9);
        for (int i = 0; i < 20; i++) {
            byte[] up = ipv4(r, 20 + r.nextInt(1300));
            survivorClient.inject(up);
            network.deliverAll();
            assertArrayEquals(up, survivor.written().get(i), "the other session still carries traffic");
        }
    }

    @Test
    void aUserWithAStaticAddressGetsIt() throws Exception {
        staticAddresses = Map.of("User", (Inet4Address) ip("10.8.8.8"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        assertEquals("10.8.8.8", clientSessions.sessions().getFirst().ipConfiguration().orElseThrow().localAddress()
                .orElseThrow().getHostAddress());
    }

    /**
     * A laptop loses its session without a word (it slept, it changed networks) and dials again at
     * once: its dead session held the account's static address until its keepalive ran out, a
     * minute, and the new session got a pool address for good (the LAN's rules and forwards for
     * the static address missing it). Now the account's other session is asked at once whether it
     * still answers, and the new one's address waits for that: the static address in seconds.
     */
    @Test
    void aLaptopThatLostItsSessionAndDialsAgainGetsItsStaticAddressBackWithinSeconds() throws Exception {
        staticAddresses = Map.of("User", (Inet4Address) ip("10.8.8.8"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        PptpCall lost = dial().placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up"));
        vanishes(lost);
        long redialled = clock.nanos();
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the new session up", () -> serverEvents.stream().filter("up"::equals).count() == 2);
        assertTrue(clock.nanos() - redialled < TimeUnit.SECONDS.toNanos(10),
                (clock.nanos() - redialled) / 1_000_000 + " ms");
        assertEquals(List.of("10.8.8.8"), serverSessions.sessions().stream()
                .map(s -> s.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getHostAddress()).toList(),
                "the dead session gone, the new one on the static address");
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("PEER_DEAD: no answer to LCP echo requests, asked at"
                + " once because User logged in again from " + CLIENT.getHostAddress())), endDetails.toString());
    }

    /** The client of {@code call} vanishes (asleep, gone elsewhere): the call's GRE goes nowhere from now on, either way. */
    private void vanishes(PptpCall call) {
        network.setImpairment((src, dst, packet) -> {
            int key = org.homerouter.pptp.gre.GreCodec.decode(packet.duplicate()).callId();
            return src.equals(SERVER) && key == call.localCallId() || src.equals(CLIENT) && key == call.peerCallId()
                    ? InMemoryGreNetwork.Fate.DROP : InMemoryGreNetwork.Fate.DELIVER;
        });
    }

    /**
     * At its per-user limit, an account whose session was lost without a word is refused (its
     * sessions are all taken), but the lost one is asked at once whether it still answers: the
     * client's next attempt seconds later gets in, not a minute later when its keepalive ran out.
     */
    @Test
    void aLoginRefusedForTheSessionLimitHasTheAccountsDeadSessionEndedWithinSeconds() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        serverSessions.setLimits(new SessionLimits(16, 1));
        PptpCall lost = dial().placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up"));
        vanishes(lost);
        long refusedAt = clock.nanos();
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("refused", () -> serverEvents.contains("ended TOO_MANY_SESSIONS"));
        run("the lost session ended", () -> serverEvents.contains("ended PEER_DEAD"));
        assertTrue(clock.nanos() - refusedAt < TimeUnit.SECONDS.toNanos(10), (clock.nanos() - refusedAt) / 1_000_000 + " ms");
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("PEER_DEAD: no answer to LCP echo requests, asked at"
                + " once because User tried to log in again from " + CLIENT.getHostAddress())), endDetails.toString());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the next attempt up", () -> serverEvents.stream().filter("up"::equals).count() == 2);
    }

    /** The account's other session answers (a second device): it stays, and the new one gets a pool address at once. */
    @Test
    void aSecondDeviceOfAnAccountWithAStaticAddressLeavesTheFirstAlone() throws Exception {
        staticAddresses = Map.of("User", (Inet4Address) ip("10.8.8.8"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up"));
        long second = clock.nanos();
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the second up", () -> serverEvents.stream().filter("up"::equals).count() == 2);
        assertTrue(clock.nanos() - second < TimeUnit.SECONDS.toNanos(3), (clock.nanos() - second) / 1_000_000 + " ms");
        assertEquals(java.util.Set.of("10.8.8.8", "192.168.250.10"), serverSessions.sessions().stream()
                .map(s -> s.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getHostAddress())
                .collect(java.util.stream.Collectors.toSet()));
        assertTrue(serverEvents.stream().noneMatch(e -> e.startsWith("ended")), serverEvents.toString());
    }

    /**
     * This router's own system refuses its GRE (an output firewall rule, a WAN address gone after a
     * DHCP renewal, where nothing the client sends arrives either): the client hears nothing, and
     * the session ends for unanswered LCP echo requests. That end says this router could not send;
     * it said the client had stopped answering, which sent the owner to look at the client. A client
     * that vanishes while this router's sends go out is still the client gone; so is one whose
     * first echo request of the window went out and only the later ones did not (a send queue
     * full for a moment).
     */
    @ParameterizedTest
    @ValueSource(strings = {"all", "none", "allButTheFirst"})
    void echoesUnansweredWhileThisRoutersSendsFailEndAsNotSentRatherThanAsTheClientGone(String sendsFailing)
            throws Exception {
        boolean sendsFail = sendsFailing.equals("all");
        java.util.concurrent.atomic.AtomicBoolean refusing = new java.util.concurrent.atomic.AtomicBoolean();
        // allButTheFirst: the window's first echo request (and whatever goes with it at that tick)
        // goes out; nothing later does.
        java.util.concurrent.atomic.AtomicLong firstSendAt = new java.util.concurrent.atomic.AtomicLong(-1);
        serverTransport = t -> new GreTransport() {
            @Override
            public void send(InetAddress destination, ByteBuffer packet) throws java.io.IOException {
                if (refusing.get() && sendsFailing.equals("allButTheFirst") && packet.remaining() > 16) {
                    // A PPP frame (a bare GRE acknowledgement is 12 octets): the first echo request.
                    firstSendAt.compareAndSet(-1, clock.nanos());
                }
                if (refusing.get() && !(sendsFailing.equals("allButTheFirst") && firstSendAt.get() == clock.nanos())) {
                    // As RawGreSocket throws it for a source address the router no longer has.
                    throw new java.io.IOException("sendmsg(" + SERVER.getHostAddress() + " -> "
                            + destination.getHostAddress() + ", " + packet.remaining() + " octets): network is unreachable"
                            + " [ENETUNREACH]");
                }
                t.send(destination, packet);
            }

            @Override
            public void setReceiver(org.homerouter.pptp.gre.GrePacketReceiver receiver) {
                t.setReceiver(receiver);
            }

            @Override
            public void close() {
                t.close();
            }
        };
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));

        network.setImpairment((src, dst, packet) -> InMemoryGreNetwork.Fate.DROP);
        refusing.set(!sendsFailing.equals("none"));
        // The server's timers only: the client, whose timers stand still, cannot give up first.
        for (int i = 0; i < 1200 && serverEvents.stream().noneMatch(e -> e.startsWith("ended")); i++) {
            network.deliverAll();
            clock.advanceMillis(100);
            serverSessions.poll();
            serverTunnels.poll();
        }
        assertEquals(List.of("ended " + (sendsFail ? SessionEnd.GRE_NOT_SENT : SessionEnd.PEER_DEAD)),
                serverEvents.stream().filter(e -> e.startsWith("ended")).toList());
    }

    /**
     * A lossy link loses the client's LCP Echo-Replies, every one of them here, while its data
     * still arrives, acknowledging ours (RFC 2637 §4.2.5): the session stays as long as the client
     * shows it receives our frames, and ends as the client gone once nothing comes. Three replies
     * lost in a row ended it, the download running.
     */
    @Test
    void aClientWhoseEchoRepliesAreLostButWhoseDataArrivesStaysConnected() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        java.util.concurrent.atomic.AtomicInteger repliesLost = new java.util.concurrent.atomic.AtomicInteger();
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            if (src.equals(CLIENT) && pppProtocol(b) == org.homerouter.pptp.ppp.PppProtocol.LCP && b.get(b.position()) == 0x0A) {
                repliesLost.incrementAndGet();
                return InMemoryGreNetwork.Fate.DROP;
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        Random r = new Random(5);
        for (int i = 0; i < 1800; i++) { // three minutes, a packet from the client every 5 s
            if (i % 50 == 0) {
                devices.get("client").inject(ipv4(r, 100));
            }
            network.deliverAll();
            clock.advanceMillis(100);
            serverSessions.poll();
            clientSessions.poll();
            serverTunnels.poll(); // the gaps the lost replies leave are skipped after their wait
            clientTunnels.poll();
        }
        assertTrue(repliesLost.get() >= 8, repliesLost + " Echo-Replies lost");
        assertEquals(List.of("auth User", "up"), serverEvents, "still connected");

        network.setImpairment((src, dst, packet) -> src.equals(CLIENT) ? InMemoryGreNetwork.Fate.DROP
                : InMemoryGreNetwork.Fate.DELIVER);
        long lastSent = clock.nanos();
        run("ended once nothing came from the client", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals("ended PEER_DEAD", serverEvents.getLast());
        // The end says how long the client had been silent: a client that vanished, not one whose
        // frames kept coming (its last data came up to 5 s before it fell silent).
        long silent = TimeUnit.NANOSECONDS.toSeconds(clock.nanos() - lastSent);
        String detail = endDetails.stream().filter(d -> d.startsWith("PEER_DEAD: ")).findFirst().orElseThrow();
        java.util.regex.Matcher heard = java.util.regex.Pattern.compile("; last heard from (?:(\\d+) min )?(\\d+) s before"
                + " the end$").matcher(detail);
        assertTrue(heard.find(), endDetails.toString());
        long said = (heard.group(1) == null ? 0 : 60 * Long.parseLong(heard.group(1))) + Long.parseLong(heard.group(2));
        assertTrue(said >= silent && said <= silent + 6, said + " s said, silent " + silent + " s: " + endDetails);
    }

    /**
     * The client's GRE still arrives but ours no longer reaches it (a NAT that now sends the
     * server's GRE to another of its clients, as one without multi-client PPTP passthrough does
     * when a second client connects): its traffic acknowledges nothing new of ours, so it does not
     * keep the session up; the session ends as the client gone, its address and place freed.
     * Windows clients send no LCP echo of their own, and would otherwise stay "connected" for good.
     */
    @Test
    void aClientThatStillSendsButNoLongerHearsUsIsHungUpOn() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        network.setImpairment((src, dst, packet) -> src.equals(SERVER) ? InMemoryGreNetwork.Fate.DROP
                : InMemoryGreNetwork.Fate.DELIVER);
        Random r = new Random(6);
        long brokenAt = clock.nanos();
        // The server's timers only (the client, hearing nothing, would give up on its own): the
        // client sends a packet every second meanwhile.
        for (int i = 0; i < 3000 && serverEvents.stream().noneMatch(e -> e.startsWith("ended")); i++) {
            if (i % 10 == 0) {
                devices.get("client").inject(ipv4(r, 100));
            }
            network.deliverAll();
            clock.advanceMillis(100);
            serverSessions.poll();
            serverTunnels.poll();
        }
        assertEquals(List.of("ended PEER_DEAD"), serverEvents.stream().filter(e -> e.startsWith("ended")).toList());
        assertTrue(clock.nanos() - brokenAt < TimeUnit.SECONDS.toNanos(90), "within the keepalive's minute and a bit: "
                + (clock.nanos() - brokenAt) / 1_000_000 + " ms");
        // The end says the client was heard from till the end: not a client that vanished.
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("PEER_DEAD: ") && (d.endsWith("; last heard from 0 s"
                + " before the end") || d.endsWith("; last heard from 1 s before the end"))), endDetails.toString());
    }

    /**
     * Two clients behind one NAT router (one source address): the first is up; the router passes
     * GRE for it only, and the second's never arrives. The second's end says another session from
     * that address was up, and whose, rather than that GRE is blocked (which the first disproves).
     */
    @Test
    void noGreForASecondClientBehindTheSameAddressAsAnUpSessionNamesThatSession() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection first = dial();
        int firstCall = first.placeCall().get(5, TimeUnit.SECONDS).peerCallId(); // the server's call ID
        run("the first session up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        // The NAT in front of both passes GRE for the first call only.
        network.setImpairment((src, dst, packet) -> !src.equals(CLIENT)
                || org.homerouter.pptp.gre.GreCodec.decode(packet.duplicate()).callId() == firstCall
                ? InMemoryGreNetwork.Fate.DELIVER : InMemoryGreNetwork.Fate.DROP);
        dial().placeCall().get(5, TimeUnit.SECONDS);
        assertEquals("ended GRE_SHARED_ADDRESS", serverEnd());
        assertTrue(serverEndDetail.startsWith("User's session from 127.0.0.1 was up at the time"), serverEndDetail);
        assertEquals(1, serverSessions.sessions().size(), "the first session stays up");
    }

    /** With no other session from its address, GRE that never arrives is still blocked GRE. */
    @Test
    void greBlockedOnTheWayIsDiagnosedAsSuch() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        // A firewall between client and server passes TCP 1723 but drops protocol 47 towards the server.
        network.setImpairment((src, dst, packet) -> dst.equals(SERVER) ? InMemoryGreNetwork.Fate.DROP
                : InMemoryGreNetwork.Fate.DELIVER);
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("server gives up", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended NO_GRE"), serverEvents);
        run("call cleared", () -> serverTunnels.tunnels().isEmpty());
    }

    /**
     * The client's GRE reaches the router, but from another address than its control connection's
     * (its provider's NAT maps GRE to a second public address): dropped, as it may be forged, and
     * the end says where it came from instead of a bare "GRE blocked".
     */
    @Test
    void greFromAnotherAddressThanTheControlConnectionsIsNamed() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        InetAddress nat = ip("127.0.0.9");
        var secondAddress = network.bind(nat);
        network.setImpairment((src, dst, packet) -> {
            if (src.equals(CLIENT) && dst.equals(SERVER)) {
                try {
                    secondAddress.send(SERVER, packet.duplicate());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return InMemoryGreNetwork.Fate.DROP;
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        dial().placeCall().get(5, TimeUnit.SECONDS);
        assertEquals("ended NO_GRE", serverEnd());
        assertTrue(serverEndDetail.contains("GRE packets for this call came from 127.0.0.9, not from 127.0.0.1"),
                serverEndDetail);
    }

    /**
     * The same seen from the dial-out (this router the client): the remote office's GRE comes from
     * another address than the one dialed (its firewall forwards the PPTP port from a second public
     * address). The end names the office's side, not "the client's network", which here is this
     * router's own.
     */
    @Test
    void greFromAnotherAddressThanTheOneDialedBlamesTheOffice() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        var secondAddress = network.bind(ip("127.0.0.9"));
        network.setImpairment((src, dst, packet) -> {
            if (src.equals(SERVER) && dst.equals(CLIENT)) {
                try {
                    secondAddress.send(CLIENT, packet.duplicate());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return InMemoryGreNetwork.Fate.DROP;
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the client's session ended", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        String clientEnd = endDetails.stream().filter(d -> d.contains("came from 127.0.0.9")).findFirst()
                .orElseThrow(() -> new AssertionError(endDetails.toString()));
        assertTrue(clientEnd.contains("the remote office sends GRE from another address than the one dialed"), clientEnd);
        assertFalse(clientEnd.contains("the client's network"), clientEnd);
    }

    /**
     * The commonest form in practice: the client's own NAT router lets GRE out but not back in. The
     * client's LCP Configure-Requests arrive, again and again, and nothing it sends ever answers
     * ours. Whichever side gives up first, the server says so, not "no LCP agreement".
     */
    @Test
    void greLostOnlyOnTheWayToTheClientIsDiagnosedAsSuchWhicheverSideGivesUpFirst() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        network.setImpairment((src, dst, packet) -> dst.equals(CLIENT) ? InMemoryGreNetwork.Fate.DROP
                : InMemoryGreNetwork.Fate.DELIVER);
        ClientConnection connection = dial();
        connection.placeCall().get(5, TimeUnit.SECONDS);
        run("the server's LCP gives up", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended GRE_ONE_WAY"), serverEvents);

        // Now the client gives up first: it clears the call after a few of its requests went unanswered.
        serverEvents.clear();
        PptpCall second = connection.placeCall().get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 45; i++) { // 4.5 s: the client's first Configure-Request and its retransmission at 3 s
            network.deliverAll();
            tick();
        }
        assertTrue(serverEvents.isEmpty(), "the server has not given up yet: " + serverEvents);
        connection.hangUp(second).get(5, TimeUnit.SECONDS);
        run("the server ends", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended GRE_ONE_WAY"), serverEvents);
    }

    /**
     * A client that offers only 40-bit MPPE (RFC 3078 §2, the L bit) against the default policy
     * (128-bit required): the end says what it offered and which setting on either side accepts it.
     */
    @Test
    void aClientOfferingOnly40BitMppeIsToldWhichSettingWouldAcceptIt() throws Exception {
        clientMppe = Optional.of(new MppePolicy(java.util.EnumSet.of(MppeStrength.BITS_40), true, true));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        assertEquals("ended ENCRYPTION_REFUSED", serverEnd());
        assertTrue(serverEndDetail.contains("the client offered 40-bit MPPE"), serverEndDetail);
        assertTrue(serverEndDetail.contains("\"Require, 40/56/128-bit\" on the VPN server page"), serverEndDetail);
    }

    /**
     * The other way round: a server that offers only 40-bit MPPE to a router dialling out that
     * requires 128-bit. The dial-out's end says what it offered and what its own page can choose
     * (it said what was offered only).
     */
    @Test
    void aServerOfferingOnly40BitMppeIsNamedWithWhatTheSiteToSitePageCanChoose() throws Exception {
        clientMppe = Optional.of(MppePolicy.DEFAULT);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass",
                Optional.of(new MppePolicy(java.util.EnumSet.of(MppeStrength.BITS_40), true, true)));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the client ended", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("ENCRYPTION_REFUSED: ")
                && d.contains("the remote server offered 40-bit MPPE")
                && d.contains("\"Require, 40/56/128-bit\" on the Site-to-site page")), endDetails.toString());
    }

    /**
     * A server without MPPE Protocol-Rejects CCP (RFC 1661 §5.7); a client that requires MPPE then
     * ends with "could not agree on encryption" within one restart interval, not after CCP's ten
     * Configure-Requests, and never opens a tunnel device that would carry IP in clear.
     */
    @Test
    void aClientRequiringMppeEndsAtOnceWhenTheServerRejectsCcp() throws Exception {
        clientMppe = Optional.of(MppePolicy.DEFAULT);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        long begin = clock.nanos();
        run("client ends", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("auth User", "ended ENCRYPTION_REFUSED"), clientEvents, "authenticated, never up");
        assertTrue(clock.nanos() - begin < Duration.ofSeconds(3).toNanos(),
                "took " + (clock.nanos() - begin) / 1_000_000 + " ms");
        assertFalse(devices.containsKey("client"), "the client opened no tunnel device");
        // The server's owner learns why the client left, not "the link was closed normally".
        run("server ends", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals("ended ENCRYPTION_REFUSED", serverEvents.getLast(), serverEvents.toString());
    }

    /**
     * The other way round, with MPPE optional on the server: a client that does no encryption
     * (macOS with Encryption "None", pppd with noccp) Protocol-Rejects CCP, and the session comes
     * up in the clear at once instead of waiting for CCP for good.
     */
    @Test
    void withOptionalMppeAClientThatRejectsCcpGetsItsSessionInTheClear() throws Exception {
        clientMppe = Optional.empty();
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass",
                Optional.of(new MppePolicy(EnumSet.of(MppeStrength.BITS_128), false, true)));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        long begin = clock.nanos();
        run("both up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        assertTrue(clock.nanos() - begin < Duration.ofSeconds(3).toNanos(),
                "took " + (clock.nanos() - begin) / 1_000_000 + " ms");
    }

    @Test
    void wrongPasswordIsRefusedWith691AndTheCallIsCleared() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "wrong", Optional.empty());
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("server ends the session", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended AUTH_FAILED"), serverEvents);
        run("client hears it", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended AUTH_FAILED"), clientEvents);
        run("call cleared on both sides", () -> serverTunnels.tunnels().isEmpty() && clientTunnels.tunnels().isEmpty());
        assertTrue(devices.isEmpty(), "no device was ever created");
    }

    @Test
    void whileLockedOutEvenTheRightPasswordIsRefusedUntilTheLockoutEnds() throws Exception {
        lockout = new AuthFailureLockout(1, Duration.ofSeconds(60), Duration.ofMinutes(5), clock);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "guess", Optional.empty());
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("first guess refused", () -> serverEvents.contains("ended AUTH_FAILED"));
        long lockedAt = clock.nanos();
        assertEquals(1, lockout.current().stream().filter(l -> l.key().equals("user User")).count(), "the name is locked");

        users.put(PppUser.withPassword("User", "guess")); // the client's password is now the right one
        for (int i = 1; i <= 3; i++) { // a client that redials by itself
            int attempts = i;
            client.placeCall().get(5, TimeUnit.SECONDS);
            run("refused while locked", () -> serverEvents.stream().filter("ended LOCKED_OUT"::equals).count() == attempts);
        }
        assertTrue(serverEvents.stream().noneMatch("up"::equals), "no session while locked out");
        assertEquals(1, clientEvents.stream().distinct().filter(e -> e.startsWith("ended")).count(),
                "to the client a lockout looks like a wrong password (691): " + clientEvents);

        // Refused attempts are not failures: the lockout still ends 60 s after the one wrong
        // password, however often the client redialled meanwhile.
        clock.advanceMillis(60_000 - (clock.nanos() - lockedAt) / 1_000_000 + 1);
        // A new control connection, as a client redials: the server stops one that has had no
        // call for a minute (PacControlConnection.CALL_LESS_LIMIT), which the clock just passed,
        // so the old one may already be closing.
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("allowed once the lockout has passed", () -> serverEvents.contains("up"));
        assertTrue(lockout.current().isEmpty(), "a success clears the lockout");
    }

    @Test
    void aWindowsDomainInFrontOfTheNameCountsTowardsTheAccountsOwnLockout() throws Exception {
        // "X1\User" logs in as User (UserDirectory.resolve): its failures must lock User, or an
        // attacker guessing from many addresses would never lock the account, one domain per guess.
        lockout = new AuthFailureLockout(1, Duration.ofSeconds(60), Duration.ofMinutes(5), clock);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "X1\\User", "guess", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("refused", () -> serverEvents.contains("ended AUTH_FAILED"));
        assertEquals(List.of("user User"), lockout.current().stream().map(AuthFailureLockout.Lockout::key)
                .filter(k -> k.startsWith("user ")).toList());
        assertTrue(lockout.lockedOut("User", ip("203.0.113.9")).isPresent(), "locked from any address");
    }

    /**
     * A phone or the Windows dialog that capitalises the name ("USER" for the account User) logs in
     * to that account: before, the lookup matched case exactly and the worker got 691, the owner
     * "no such user". MS-CHAPv2 still hashes the name as the client sent it (RFC 2759 §8.2), or the
     * client's NT-Response would not verify nor the router's authenticator response satisfy it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"USER", "user", "uSeR"})
    void aNameInAnotherCaseLogsInToTheAccountAndTheSessionIsTheAccounts(String sent) throws Exception {
        staticAddresses = Map.of("User", (Inet4Address) ip("10.8.8.8"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), sent, "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        assertEquals("auth User", serverEvents.getFirst(), "the account's own name: " + serverEvents);
        assertEquals(Optional.of("User"), serverSessions.sessions().getFirst().userName());
        assertEquals(1, serverSessions.sessionsOf("User"), "counted under the account");
        assertEquals("10.8.8.8", clientSessions.sessions().getFirst().ipConfiguration().orElseThrow().localAddress()
                .orElseThrow().getHostAddress(), "the account's static address");
    }

    /** "user" and "User" are one account: the per-user limit counts both. */
    @Test
    void thePerUserLimitCountsANameInAnotherCaseAsTheSameUser() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        serverSessions.setLimits(new SessionLimits(16, 1));
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up"));
        clientLogsInAs("user", "clientPass");
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("second refused", () -> serverEvents.contains("ended TOO_MANY_SESSIONS"));
        assertEquals(1, serverSessions.sessions().size(), "the first session stays");
        assertEquals(List.of("auth User", "up", "ended TOO_MANY_SESSIONS"), serverEvents);
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("TOO_MANY_SESSIONS: User already has 1 sessions")),
                endDetails.toString());
    }

    /**
     * A wrong password as "user" is a failure of the account User: it counts toward User's lockout
     * (which then refuses "USER" too) and the failed attempt is shown under User. Counted under the
     * name as sent, an attacker could try each password under another case and never lock the account.
     */
    @Test
    void aWrongPasswordUnderAnotherCaseCountsTowardTheAccountsLockout() throws Exception {
        lockout = new AuthFailureLockout(1, Duration.ofSeconds(60), Duration.ofMinutes(5), clock);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "user", "guess", Optional.empty());
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("refused", () -> serverEvents.contains("ended AUTH_FAILED"));
        assertEquals(List.of("user User"), lockout.current().stream().map(AuthFailureLockout.Lockout::key)
                .filter(k -> k.startsWith("user ")).toList());
        assertTrue(endedUsers.contains("User"), "the server shows the failed login under the account: " + endedUsers);
        clientLogsInAs("USER", "clientPass");
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("refused while locked", () -> serverEvents.contains("ended LOCKED_OUT"));
        assertTrue(serverEvents.stream().noneMatch("up"::equals), "no session while locked out: " + serverEvents);
    }

    /**
     * The accounts cannot be read (the database failed): the login ends as the router's failure,
     * saying so with the error, not as "no such user", and counts toward no lockout. Before, the
     * owner read a wrong user name and the user's retries locked the account out.
     */
    @Test
    void aLoginWhoseAccountsCannotBeReadEndsAsTheRoutersFailureAndLocksNothing() throws Exception {
        lockout = new AuthFailureLockout(1, Duration.ofSeconds(60), Duration.ofMinutes(5), clock);
        serverUsers = name -> {
            throw new UserDirectory.Unreadable("reading the VPN users from the database failed: disk I/O error", null);
        };
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("server ends the session", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended ACCOUNTS_UNREADABLE"), serverEvents);
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("ACCOUNTS_UNREADABLE: ") && d.contains("disk I/O error")),
                endDetails.toString());
        assertTrue(SessionEnd.ACCOUNTS_UNREADABLE.description().contains("could not read its list of VPN users"));
        run("client hears a failed login", () -> clientEvents.contains("ended AUTH_FAILED"));
        assertEquals(List.of(), lockout.current(), "no strike against the user or the address");
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("again", () -> serverEvents.stream().filter("ended ACCOUNTS_UNREADABLE"::equals).count() == 2);
        assertEquals(List.of(), lockout.current(), "still none");
    }

    /** A name locked out stays refused as locked out while the database fails: the lockout answers first. */
    @Test
    void aLockedOutNameIsRefusedAsSuchWhileTheAccountsCannotBeRead() throws Exception {
        lockout = new AuthFailureLockout(1, Duration.ofSeconds(60), Duration.ofMinutes(5), clock);
        lockout.failed("User", CLIENT);
        serverUsers = name -> {
            throw new UserDirectory.Unreadable("reading the VPN users from the database failed: disk I/O error", null);
        };
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        assertEquals("ended LOCKED_OUT", serverEnd());
    }

    /**
     * A login beyond the per-user limit is refused as the login's answer (MS-CHAPv2 E=649 with a
     * message saying why), not accepted with a Success and then hung up on, which left the client
     * with a generic "connection terminated" and nothing to act on.
     */
    @Test
    void aUserBeyondThePerUserLimitIsRefusedAtTheLoginAndTheFirstSessionStays() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        serverSessions.setLimits(new SessionLimits(16, 1));
        ClientConnection client = dial();
        PptpCall first = client.placeCall().get(5, TimeUnit.SECONDS);
        run("first up", () -> serverEvents.contains("up"));
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("second refused", () -> serverEvents.contains("ended TOO_MANY_SESSIONS"));
        assertEquals(1, serverSessions.sessions().size(), "the first session stays");
        assertEquals(1, serverEvents.stream().filter("up"::equals).count());
        run("the client hears it", () -> clientEvents.stream().filter(e -> e.startsWith("ended")).count() == 1);
        assertEquals(List.of("auth User", "up", "ended TOO_MANY_SESSIONS"), clientEvents,
                "the second login refused, not accepted");
        assertTrue(endDetails.contains("TOO_MANY_SESSIONS: authenticator refused: E=649 (NO_DIALIN_PERMISSION):"
                + " Too many sessions for this account"), endDetails.toString());
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("TOO_MANY_SESSIONS: User already has 1 sessions")),
                endDetails.toString());

        client.hangUp(first).get(5, TimeUnit.SECONDS);
        run("first ended", () -> serverSessions.sessions().isEmpty());
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("a new session once the first is gone", () -> serverEvents.stream().filter("up"::equals).count() == 2);
    }

    /**
     * An account with the right password that logs in and hangs up in a loop (a compromised laptop),
     * one call after another on one control connection: before, every login was let in, each
     * session costing the appliance two committed writes and a history row that pushed colleagues'
     * out. After {@link LoginPace#BURST} logins it is refused at the login as logging in too often
     * (E=649 with its own message; not the per-user limit, which is not reached), counted under the
     * account whatever case the name comes in. Its session that was up stays up, another account
     * logs in as before, and after a wait the account logs in again.
     */
    @Test
    void anAccountLoggingInAndHangingUpInALoopIsRefusedAfterABurstAndNoOneElseIs() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("the account's first session up", () -> serverEvents.contains("up"));
        PppSession stays = serverSessions.sessions().getFirst();
        clientLogsInAs("user", "clientPass");
        int loggedIn = 1;
        long started = clock.nanos();
        while (true) {
            long ups = serverEvents.stream().filter("up"::equals).count();
            PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
            run("up or refused", () -> serverEvents.stream().filter("up"::equals).count() > ups
                    || serverEvents.contains("ended LOGINS_TOO_OFTEN"));
            if (serverEvents.contains("ended LOGINS_TOO_OFTEN")) {
                break;
            }
            loggedIn++;
            // The wait for each hang-up moves the manual clock (100 ms a round) while the real
            // threads work: on a loaded machine the pace's refill over that time is let in too.
            long refilled = (clock.nanos() - started) / 1_000_000 * LoginPace.PER_MINUTE / 60_000;
            assertTrue(loggedIn <= LoginPace.BURST + 2 + refilled, "still let in after " + loggedIn + " logins ("
                    + refilled + " refilled)");
            client.hangUp(call).get(5, TimeUnit.SECONDS);
            run("hung up", () -> serverSessions.sessions().size() == 1);
        }
        assertTrue(loggedIn >= LoginPace.BURST, "refused after only " + loggedIn + " logins");
        assertFalse(serverEvents.contains("ended TOO_MANY_SESSIONS"), serverEvents.toString());
        assertEquals(List.of(stays), serverSessions.sessions(), "the account's session that was up stays");
        assertFalse(stays.hasEnded());
        run("the client hears why", () -> clientEvents.contains("ended LOGINS_TOO_OFTEN"));
        assertTrue(endDetails.contains("LOGINS_TOO_OFTEN: authenticator refused: E=649 (NO_DIALIN_PERMISSION): "
                + org.homerouter.pptp.auth.MsChapV2Authenticator.TOO_MANY_LOGINS), endDetails.toString());
        assertTrue(endDetails.stream().anyMatch(d -> d.startsWith("LOGINS_TOO_OFTEN: User logged in more than "
                + LoginPace.BURST + " times in quick succession, then more than " + LoginPace.PER_MINUTE + " a minute")),
                endDetails.toString());

        clientLogsInAs("Other", "otherPass");
        long ups = serverEvents.stream().filter("up"::equals).count();
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("another account logs in", () -> serverEvents.stream().filter("up"::equals).count() > ups);

        clock.advanceMillis(60_000 / LoginPace.PER_MINUTE);
        clientLogsInAs("USER", "clientPass");
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("the account logs in again after a wait", () -> serverEvents.stream().filter("up"::equals).count() > ups + 1);
        assertEquals(1, serverEvents.stream().filter("ended LOGINS_TOO_OFTEN"::equals).count(), serverEvents.toString());
        assertTrue(serverSessions.sessions().contains(stays));
    }

    /**
     * A device whose every login passes the password and is then refused for its encryption (it
     * offers only 40-bit MPPE, the server requires 128-bit) redials on and on. Its logins never
     * came up, so each gives its login back ({@link LoginPace#neverCameUp}): beyond
     * {@link LoginPace#BURST} of them it is still told the truth about its encryption, what its
     * owner can act on, not that it logs in too often.
     */
    @Test
    void loginsRefusedForTheirEncryptionAfterThePasswordNeverSpendTheAccountsLogins() throws Exception {
        clientMppe = Optional.of(new MppePolicy(EnumSet.of(MppeStrength.BITS_40), true, true));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        ClientConnection client = dial();
        long started = clock.nanos();
        int logins = 0;
        // Beyond the burst and whatever the manual clock's passing refilled meanwhile (one a 30 s).
        while (logins <= LoginPace.BURST + (clock.nanos() - started) / 1_000_000 * LoginPace.PER_MINUTE / 60_000) {
            int ended = logins;
            client.placeCall().get(5, TimeUnit.SECONDS);
            run("login " + (ended + 1) + " ended on both sides",
                    () -> ends(serverEvents) > ended && ends(clientEvents) > ended);
            logins++;
        }
        assertEquals(List.of("ended ENCRYPTION_REFUSED"),
                serverEvents.stream().filter(e -> e.startsWith("ended")).distinct().toList(), serverEvents.toString());
        assertEquals(logins, serverEvents.stream().filter("auth User"::equals).count(), "each passed the password");
        assertFalse(serverEvents.contains("up"), serverEvents.toString());
    }

    private static long ends(List<String> events) {
        return events.stream().filter(e -> e.startsWith("ended")).count();
    }

    /** The limit on logins in progress overall, and (a router's defaults, 16 and 4) per address. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"overall", "per address"})
    void callsBeyondTheLoggingInLimitAreClearedAtOnce(String which) throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        serverSessions.setLimits(which.equals("overall") ? new SessionLimits(1, 8) : new SessionLimits(16, 8, 1));
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        client.placeCall().get(5, TimeUnit.SECONDS); // GRE not delivered yet: the first is still logging in
        // The server refuses on its own thread: wait for the client to hear the clear before any GRE moves.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (clientTunnels.tunnels().size() != 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, clientTunnels.tunnels().size(), "the second call was cleared");
        assertEquals(1, serverSessions.sessions().size());
        run("the first logs in", () -> serverEvents.contains("up"));
        client.placeCall().get(5, TimeUnit.SECONDS);
        run("once logged in it no longer counts", () -> serverEvents.stream().filter("up"::equals).count() == 2);
    }

    /**
     * CHAP-MD5 allowed, but the account's password was set before it was (only its NT hash is
     * kept): the login cannot be checked, and the end says so, not that the method is not allowed.
     */
    @Test
    void aChapMd5LoginOfAnAccountWithoutAChapSecretEndsAsSecretMissing() throws Exception {
        start(AuthPolicy.DEFAULT.withMethods(AuthMethod.MSCHAP_V2, AuthMethod.CHAP_MD5), List.of(AuthMethod.CHAP_MD5),
                "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        assertEquals("ended CHAP_SECRET_MISSING", serverEnd());
        assertTrue(serverEndDetail.contains("no cleartext secret"), serverEndDetail);
    }

    /**
     * A disabled account with the right password hears E=647, "the account is disabled" (not 649,
     * "no dial-in permission", the session limit's code), and a client like this router's dial-out
     * takes it for a disabled account, which it does not dial again.
     */
    @Test
    void disabledAccountIsRefusedWith647() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "off", "secret", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("server ends the session", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended ACCOUNT_DISABLED"), serverEvents);
        run("the client hears it", () -> clientEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended ACCOUNT_DISABLED"), clientEvents);
        assertTrue(endDetails.contains("ACCOUNT_DISABLED: authenticator refused: E=647 (ACCOUNT_DISABLED):"
                + " Account disabled"), endDetails.toString());
    }

    @Test
    void papOnlyClientIsRefusedUnderTheDefaultPolicy() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.PAP), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("server ends the session", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        assertEquals(List.of("ended AUTH_METHOD_REFUSED"), serverEvents);
        assertEquals("the client asked for PAP, which the VPN server's settings do not offer; offered here: MS-CHAP v2",
                serverEndDetail);
        run("call cleared", () -> serverTunnels.tunnels().isEmpty());
    }

    @Test
    void aLinkRenegotiatedAfterTheLoginStaysOneSessionOfItsUser() throws Exception {
        // RFC 1661 §4.3: a Configure-Request in Opened renegotiates LCP, and the peer logs in again
        // on the same link. Counted as a second login, each round took one of the user's 8 session
        // slots for good and lowered the count of logins in progress below zero (switching off the
        // flood limit).
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        ClientConnection client = dial();
        PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();
        for (int round = 2; round <= 3; round++) {
            int ups = round;
            // LCP Configure-Request without options, as the client would send it.
            serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01,
                    (byte) (0x50 + round), 0x00, 0x04}));
            run("logged in and up again", () -> serverEvents.stream().filter("up"::equals).count() == ups);
            assertEquals(1, serverSessions.sessionsOf("User"), "still one session of User");
            assertEquals(0, serverSessions.loggingIn(), "nobody logging in");
        }
        client.hangUp(call).get(5, TimeUnit.SECONDS);
        // The call leaves the registry as its tunnel goes down, a moment before the session ends and
        // frees the user's slot (under the session's lock, which a timer may hold): wait for that end.
        run("ended", () -> serverEvents.stream().anyMatch(e -> e.startsWith("ended")));
        run("forgotten", () -> serverSessions.registered() == 0);
        assertEquals(0, serverSessions.sessionsOf("User"), "the user's slot is free again");
        assertEquals(0, serverSessions.loggingIn());
    }

    /**
     * A client that renegotiates its link mid-session (RFC 1661 §4.3) keeps the address it had, not
     * the pool's next one, or its connections through the tunnel would break: its session holds the
     * address from the link going down until IPCP is up again.
     */
    @Test
    void aClientThatRenegotiatesItsLinkKeepsItsTunnelAddress() throws Exception {
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();
        assertEquals("192.168.250.10", serverSide.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getHostAddress());
        for (int round = 2; round <= 3; round++) {
            long ups = round;
            // LCP Configure-Request without options, as the client would send it: both sides renegotiate.
            serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01,
                    (byte) (0x60 + round), 0x00, 0x04}));
            run("up again", () -> serverEvents.stream().filter("up"::equals).count() == ups
                    && clientEvents.stream().filter("up"::equals).count() == ups);
            assertEquals("192.168.250.10", serverSide.ipConfiguration().orElseThrow().peerAddress().orElseThrow()
                    .getHostAddress(), "round " + round);
            assertEquals("192.168.250.10", clientSessions.sessions().getFirst().ipConfiguration().orElseThrow()
                    .localAddress().orElseThrow().getHostAddress(), "the client's side, round " + round);
        }
    }

    /**
     * RFC 1332 §3.3: a client may name the address it wants (a Windows or macOS client asks for the
     * one it had). The first it names, if free in the pool, is the one it gets.
     */
    @Test
    void aClientAskingForAFreeAddressOfThePoolGetsIt() throws Exception {
        List<byte[]> serverIpcp = speakForTheClientsIpcp();
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the server's IPCP asked", () -> !serverIpcp.isEmpty());
        PppSession serverSide = serverSessions.sessions().getFirst();

        ipcpRequestFromClient(serverSide, 0x42, "192.168.250.15");
        network.deliverAll();
        assertEquals(java.util.HexFormat.of().formatHex(new byte[] {2, 0x42, 0, 10, 3, 6, (byte) 192, (byte) 168,
                (byte) 250, 15}), java.util.HexFormat.of().formatHex(serverIpcp.getLast()), "acknowledged");
        run("the server's side up", () -> serverEvents.contains("up"));
        assertEquals("192.168.250.15", serverSide.ipConfiguration().orElseThrow().peerAddress().orElseThrow()
                .getHostAddress());
    }

    /**
     * Another user's static address inside the pool is free while that user is away, but a client
     * naming it does not get it: it is Nak'd with one of the pool.
     */
    @Test
    void aClientAskingForAnotherUsersStaticAddressIsOfferedOneOfThePool() throws Exception {
        staticAddresses = Map.of("Bob", (Inet4Address) ip("192.168.250.15"));
        List<byte[]> serverIpcp = speakForTheClientsIpcp();
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the server's IPCP asked", () -> !serverIpcp.isEmpty());
        PppSession serverSide = serverSessions.sessions().getFirst();

        ipcpRequestFromClient(serverSide, 0x43, "192.168.250.15");
        network.deliverAll();
        assertEquals(java.util.HexFormat.of().formatHex(new byte[] {3, 0x43, 0, 10, 3, 6, (byte) 192, (byte) 168,
                (byte) 250, 10}), java.util.HexFormat.of().formatHex(serverIpcp.getLast()), "Nak'd with the pool's");
    }

    /**
     * Another user's static address inside the pool (widened over it by an import or the command
     * line) is theirs even while free: the pool hands the next client another, and when the pool
     * has no other, the call is still answered (it may be that user's) but no other client gets it.
     */
    @Test
    void thePoolNeverHandsOutAnotherUsersStaticAddressWhileItIsFree() throws Exception {
        poolEnd = "192.168.250.11";
        staticAddresses = Map.of("Bob", (Inet4Address) ip("192.168.250.10"));
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the first session up", () -> serverEvents.contains("up"));
        assertEquals("192.168.250.11", peerAddress(serverSessions.sessions().getFirst()), "not Bob's");
        assertFalse(pool.holds((Inet4Address) ip("192.168.250.10")), "Bob's still free");

        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the second session ended without an address", () -> serverEvents.contains("ended NO_ADDRESS"));
        assertFalse(pool.holds((Inet4Address) ip("192.168.250.10")), "Bob's still free for Bob");
    }

    /** A client cannot choose an address outside the pool: it is Nak'd with one of the pool (RFC 1332 §3.3). */
    @Test
    void aClientAskingForAnAddressOutsideThePoolIsOfferedOneOfThePool() throws Exception {
        List<byte[]> serverIpcp = speakForTheClientsIpcp();
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the server's IPCP asked", () -> !serverIpcp.isEmpty());
        PppSession serverSide = serverSessions.sessions().getFirst();

        ipcpRequestFromClient(serverSide, 0x41, "10.9.9.9");
        network.deliverAll();
        assertEquals(java.util.HexFormat.of().formatHex(new byte[] {3, 0x41, 0, 10, 3, 6, (byte) 192, (byte) 168,
                (byte) 250, 10}), java.util.HexFormat.of().formatHex(serverIpcp.getLast()), "Nak'd with the pool's");
    }

    /**
     * A client renegotiating its link (RFC 1661 §4.3) is between LCP going down and IPCP coming
     * back for a moment, which a slow client or a lost packet stretches to seconds. Its session
     * keeps its address claimed meanwhile: another client naming that address (RFC 1332 §3.3) is
     * Nak'd with another, and the renegotiating client comes back with its own. Before, the address
     * went back to the pool as the link went down, the other client was given it, and the first
     * came back with another address: its connections through the tunnel broke.
     */
    @Test
    void anotherClientAskingForTheAddressOfAClientThatRenegotiatesDoesNotGetIt() throws Exception {
        Set<Integer> held = ConcurrentHashMap.newKeySet();
        List<byte[]> serverIpcp = holdTheClientsIpcpRequests(held);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.empty());
        PptpCall firstCall = dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the first session up", () -> serverEvents.contains("up"));
        PppSession first = serverSessions.session(firstCall.peerCallId());
        assertEquals("192.168.250.10", peerAddress(first));

        // The second client's IPCP requests are the test's to send.
        PptpCall secondCall = dial().placeCall().get(5, TimeUnit.SECONDS);
        held.add(secondCall.peerCallId());
        run("the second session logged in", () -> serverSessions.session(secondCall.peerCallId()) != null
                && serverSessions.session(secondCall.peerCallId()).phase() == SessionPhase.NETWORK);
        PppSession second = serverSessions.session(secondCall.peerCallId());

        // The first client renegotiates its link, and stays in between: its IPCP requests are lost.
        held.add(firstCall.peerCallId());
        first.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x61, 0x00, 0x04}));
        run("the first client logged in again", () -> serverEvents.stream().filter("auth User"::equals).count() == 3
                && first.phase() == SessionPhase.NETWORK);
        assertTrue(first.ipConfiguration().isEmpty(), "between LCP down and IPCP up");

        ipcpRequestFromClient(second, 0x44, "192.168.250.10");
        network.deliverAll();
        assertEquals(java.util.HexFormat.of().formatHex(new byte[] {3, 0x44, 0, 10, 3, 6, (byte) 192, (byte) 168,
                (byte) 250, 11}), java.util.HexFormat.of().formatHex(serverIpcp.getLast()),
                "Nak'd with another address: the first client's is still its own");

        held.clear();
        run("both up", () -> first.ipConfiguration().isPresent() && second.ipConfiguration().isPresent());
        assertEquals("192.168.250.10", peerAddress(first), "the renegotiating client has its address back");
        assertEquals("192.168.250.11", peerAddress(second));
        assertEquals(2, pool.inUse());
    }

    /**
     * The same for the pool's next allocation: the pool hands addresses out in turn, and with the
     * turn back at the renegotiating client's address a new session was given it, while the
     * renegotiating client came back with another.
     */
    @Test
    void aNewSessionWhileAClientRenegotiatesIsNotGivenItsAddress() throws Exception {
        poolEnd = "192.168.250.11";
        Set<Integer> held = ConcurrentHashMap.newKeySet();
        holdTheClientsIpcpRequests(held);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        PptpCall firstCall = dial().placeCall().get(5, TimeUnit.SECONDS);
        run("the first session up", () -> serverEvents.stream().filter("up"::equals).count() == 1);
        ClientConnection other = dial();
        PptpCall otherCall = other.placeCall().get(5, TimeUnit.SECONDS);
        run("the second session up", () -> serverEvents.stream().filter("up"::equals).count() == 2);
        PppSession first = serverSessions.session(firstCall.peerCallId());
        assertEquals("192.168.250.10", peerAddress(first));
        // The second goes: the pool's turn is back at .10.
        other.hangUp(otherCall).get(5, TimeUnit.SECONDS);
        run("the second session ended", () -> serverSessions.registered() == 1);
        // Its call ID is released last, after the session's end gave its address back.
        run("its call released", () -> serverCallIds.inUse() == 1);

        held.add(firstCall.peerCallId());
        first.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x62, 0x00, 0x04}));
        run("the first client logged in again", () -> serverEvents.stream().filter("auth User"::equals).count() == 3
                && first.phase() == SessionPhase.NETWORK);
        assertTrue(first.ipConfiguration().isEmpty(), "between LCP down and IPCP up");

        PptpCall thirdCall = dial().placeCall().get(5, TimeUnit.SECONDS);
        run("a new session up", () -> serverSessions.session(thirdCall.peerCallId()) != null
                && serverSessions.session(thirdCall.peerCallId()).ipConfiguration().isPresent());
        assertEquals("192.168.250.11", peerAddress(serverSessions.session(thirdCall.peerCallId())),
                "the address the renegotiating client holds is not the new session's");

        held.clear();
        run("the first up again", () -> first.ipConfiguration().isPresent());
        assertEquals("192.168.250.10", peerAddress(first), "the renegotiating client has its address back");
    }

    /**
     * However a session ends, also in the middle of a renegotiation while it keeps its address for
     * the client, the address goes back to the pool, once: a pool of one address serves session
     * after session, each renegotiating several times.
     */
    @Test
    void sessionsThatRenegotiateAndEndInEveryWayLeaveThePoolFull() throws Exception {
        poolEnd = "192.168.250.10";
        Set<Integer> held = ConcurrentHashMap.newKeySet();
        holdTheClientsIpcpRequests(held);
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        long ups = 0;
        long logins = 0;
        for (int round = 1; round <= 4; round++) {
            ClientConnection client = dial();
            PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
            long upsBefore = ups;
            run("session " + round + " up", () -> serverEvents.stream().filter("up"::equals).count() == upsBefore + 1);
            ups++;
            logins++;
            PppSession serverSide = serverSessions.session(call.peerCallId());
            for (int r = 0; r < 2; r++) {
                long upsNow = ups;
                serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01,
                        (byte) (0x30 + r), 0x00, 0x04}));
                run("up again", () -> serverEvents.stream().filter("up"::equals).count() == upsNow + 1);
                ups++;
                logins++;
                assertEquals("192.168.250.10", peerAddress(serverSide));
                assertEquals(1, pool.inUse());
            }
            // Once more, and the session ends while the client is between LCP down and IPCP up.
            held.add(call.peerCallId());
            long loginsNow = logins;
            serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x3F,
                    0x00, 0x04}));
            run("logged in again", () -> serverEvents.stream().filter("auth User"::equals).count() == loginsNow + 1
                    && serverSide.phase() == SessionPhase.NETWORK);
            logins++;
            assertEquals(1, pool.inUse(), "kept through the renegotiation");
            long endedBefore = round - 1;
            switch (round) {
                case 1 -> client.hangUp(call).get(5, TimeUnit.SECONDS); // the call cleared under the link
                case 2 -> clientSessions.session(call.localCallId()).close("user hung up"); // LCP Terminate from the client
                case 3 -> serverSide.close("the administrator disconnected the session"); // LCP Terminate from us
                default -> {
                    // The client vanishes: the keepalive gives up.
                    network.setImpairment((src, dst, packet) -> InMemoryGreNetwork.Fate.DROP);
                }
            }
            run("session " + round + " ended", () -> serverEvents.stream().filter(e -> e.startsWith("ended")).count()
                    == endedBefore + 1);
            run("session " + round + " forgotten", () -> serverSessions.registered() == 0);
            assertEquals(0, pool.inUse(), "the address is back in the pool after round " + round);
            held.clear();
            client.stop().get(5, TimeUnit.SECONDS);
        }
        assertTrue(serverEvents.stream().noneMatch(e -> e.contains("NO_ADDRESS")), serverEvents.toString());
    }

    /**
     * The engine's own client (the site-to-site dial-out), renegotiating its link, asks for the
     * address the server gave it (RFC 1332 §3.3) rather than 0.0.0.0, so a server that would keep
     * the address for it does; a server that will not Naks with another, which the client takes.
     */
    @Test
    void theClientRenegotiatingAsksForItsAddressAndTakesAnotherIfTheServerOffersOne() throws Exception {
        Set<Inet4Address> hostUses = ConcurrentHashMap.newKeySet();
        usedHere = hostUses;
        List<String> asked = new CopyOnWriteArrayList<>();
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            if (src.equals(CLIENT) && pppProtocol(b) == org.homerouter.pptp.ppp.PppProtocol.IPCP && b.get(b.position()) == 1) {
                asked.add(ipAddressOption(b));
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT, List.of(AuthMethod.MSCHAP_V2), "User", "clientPass", Optional.of(MppePolicy.DEFAULT));
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("both sessions up", () -> serverEvents.contains("up") && clientEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();
        PppSession clientSide = clientSessions.sessions().getFirst();
        assertEquals("0.0.0.0", asked.getFirst(), "the first time, it asks to be given one");
        assertEquals("192.168.250.10", clientSide.ipConfiguration().orElseThrow().localAddress().orElseThrow()
                .getHostAddress());

        asked.clear();
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x51, 0x00, 0x04}));
        run("up again", () -> clientEvents.stream().filter("up"::equals).count() == 2);
        assertEquals(List.of("192.168.250.10"), asked.stream().distinct().toList(), "asked for the address it had, and was given it");
        assertEquals("192.168.250.10", clientSide.ipConfiguration().orElseThrow().localAddress().orElseThrow()
                .getHostAddress());

        // Now this router uses that address itself (pool.avoid): the server gives another.
        hostUses.add((Inet4Address) ip("192.168.250.10"));
        asked.clear();
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x52, 0x00, 0x04}));
        run("up a third time", () -> clientEvents.stream().filter("up"::equals).count() == 3
                && serverEvents.stream().filter("up"::equals).count() == 3);
        assertEquals(List.of("192.168.250.10", "192.168.250.11"), asked.stream().distinct().toList(), "Nak'd with another, which it asked for next");
        assertEquals("192.168.250.11", clientSide.ipConfiguration().orElseThrow().localAddress().orElseThrow()
                .getHostAddress(), "the client took the address the server offered");
        assertEquals("192.168.250.11", peerAddress(serverSide));
        assertEquals(1, pool.inUse(), "the old address went back to the pool");
    }

    /** The IP-Address option (RFC 1332 §3.3) of the IPCP Configure-Request at {@code b}, or "none". */
    private static String ipAddressOption(ByteBuffer b) {
        ByteBuffer p = b.duplicate();
        p.position(p.position() + 4);
        while (p.remaining() >= 2) {
            int type = p.get() & 0xFF;
            int length = p.get() & 0xFF;
            if (length < 2) {
                break;
            }
            if (type == 3 && length == 6) {
                return (p.get() & 0xFF) + "." + (p.get() & 0xFF) + "." + (p.get() & 0xFF) + "." + (p.get() & 0xFF);
            }
            p.position(p.position() + length - 2);
        }
        return "none";
    }

    /**
     * Someone else logging in on a renegotiated link (RFC 1661 §4.3) is not handed the address the
     * link had: that was the first user's, kept for them through the renegotiation, and it goes back
     * to the pool (once: the pool then holds only the new user's). Nor does the new user get it by
     * naming it (RFC 1332 §3.3): given back a moment ago, it is still sent what was User's
     * ({@link AddressPool#QUARANTINE}); before, a request for it was granted.
     */
    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "192.168.250.10"})
    void whoLogsInAsSomeoneElseOnARenegotiatedLinkIsNotHandedTheFirstUsersAddress(String asked) throws Exception {
        int[] clientsPapIdentifier = {-1};
        boolean[] speakForTheClient = {false};
        List<byte[]> serverIpcp = new CopyOnWriteArrayList<>();
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            int protocol = pppProtocol(b);
            if (src.equals(CLIENT) && speakForTheClient[0] && b.get(b.position()) == 1) {
                if (protocol == org.homerouter.pptp.ppp.PppProtocol.PAP) {
                    clientsPapIdentifier[0] = b.get(b.position() + 1) & 0xFF;
                    return InMemoryGreNetwork.Fate.DROP;
                }
                if (protocol == org.homerouter.pptp.ppp.PppProtocol.IPCP) {
                    return InMemoryGreNetwork.Fate.DROP;
                }
            }
            if (src.equals(SERVER) && protocol == org.homerouter.pptp.ppp.PppProtocol.IPCP) {
                byte[] info = new byte[b.remaining()];
                b.get(info);
                serverIpcp.add(info);
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        start(AuthPolicy.DEFAULT.withMethods(AuthMethod.PAP), List.of(AuthMethod.PAP), "User", "clientPass",
                Optional.empty());
        dial().placeCall().get(5, TimeUnit.SECONDS);
        run("up", () -> serverEvents.contains("up"));
        PppSession serverSide = serverSessions.sessions().getFirst();
        assertEquals("192.168.250.10", peerAddress(serverSide));

        speakForTheClient[0] = true;
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x21, 0x01, 0x53, 0x00, 0x04}));
        run("the client's login held back", () -> clientsPapIdentifier[0] >= 0);
        // PAP Authenticate-Request (RFC 1334 §2.2.1) as Other, under the client's Identifier.
        ByteBuffer pap = ByteBuffer.allocate(24).put(new byte[] {(byte) 0xFF, 0x03, (byte) 0xC0, 0x23, 0x01,
                (byte) clientsPapIdentifier[0], 0x00, 0x14, 0x05});
        pap.put("Other".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put((byte) 9)
                .put("otherPass".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).flip();
        serverSide.sink().onPayload(pap);
        run("logged in as Other", () -> serverEvents.contains("auth Other") && serverSide.phase() == SessionPhase.NETWORK);

        ipcpRequestFromClient(serverSide, 0x45, asked);
        network.deliverAll();
        assertEquals(java.util.HexFormat.of().formatHex(new byte[] {3, 0x45, 0, 10, 3, 6, (byte) 192, (byte) 168,
                (byte) 250, 11}), java.util.HexFormat.of().formatHex(serverIpcp.getLast()),
                "assigned the pool's next address, not User's");
        assertEquals(1, pool.inUse(), "User's address went back to the pool");
    }

    private static String peerAddress(PppSession serverSide) {
        return serverSide.ipConfiguration().orElseThrow().peerAddress().orElseThrow().getHostAddress();
    }

    /**
     * Drops the IPCP Configure-Requests the clients send on the server's calls in {@code held}
     * (their Call IDs at the server, as they are at the time); returns the IPCP packets the server
     * sends from then on (information fields).
     */
    private List<byte[]> holdTheClientsIpcpRequests(Set<Integer> held) {
        return holdTheClientsIpcpRequests(held::contains);
    }

    /** As {@link #holdTheClientsIpcpRequests(Set)}, for the calls whose Call ID {@code held} accepts. */
    private List<byte[]> holdTheClientsIpcpRequests(java.util.function.IntPredicate held) {
        List<byte[]> serverIpcp = new CopyOnWriteArrayList<>();
        network.setImpairment((src, dst, packet) -> {
            ByteBuffer b = packet.duplicate();
            var h = org.homerouter.pptp.gre.GreCodec.decode(b);
            if (h.payloadLength() == 0 || org.homerouter.pptp.ppp.PppFrame.readHeader(b)
                    != org.homerouter.pptp.ppp.PppProtocol.IPCP) {
                return InMemoryGreNetwork.Fate.DELIVER;
            }
            if (src.equals(CLIENT) && b.get(b.position()) == 1 && held.test(h.callId())) {
                return InMemoryGreNetwork.Fate.DROP;
            }
            if (src.equals(SERVER)) {
                byte[] info = new byte[b.remaining()];
                b.get(info);
                serverIpcp.add(info);
            }
            return InMemoryGreNetwork.Fate.DELIVER;
        });
        return serverIpcp;
    }

    /**
     * Drops the client's IPCP Configure-Requests, for the test to send its own; returns the IPCP
     * packets the server sends from then on (information fields).
     */
    private List<byte[]> speakForTheClientsIpcp() {
        return holdTheClientsIpcpRequests(callId -> true);
    }

    /** An IPCP Configure-Request naming {@code address}, as if from the client. */
    private static void ipcpRequestFromClient(PppSession serverSide, int identifier, String address) {
        byte[] a = ip(address).getAddress();
        serverSide.sink().onPayload(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0x03, (byte) 0x80, 0x21, 0x01,
                (byte) identifier, 0x00, 0x0A, 0x03, 0x06, a[0], a[1], a[2], a[3]}));
    }
}
