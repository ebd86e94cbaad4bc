package org.homerouter.appliance;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.PeerCredentials;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.tcp.ClientConnection;
import org.homerouter.pptp.control.tcp.ControlClient;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.PppSessions;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionEnvironment;
import org.homerouter.pptp.session.SessionListener;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.homerouter.pptp.tunnel.CallTunnels;
import org.homerouter.pptp.tunnel.InMemoryTunnelDevice;

/**
 * The appliance's data plane in memory and the engine's own PPTP client dialling into it, each
 * client from its own loopback address; a pump thread moves the GRE packets and runs the clients'
 * timers. Nothing reaches the kernel.
 */
final class InMemoryDialIn implements AutoCloseable {
    private final InMemoryGreNetwork network = new InMemoryGreNetwork();
    final List<InMemoryTunnelDevice> serverDevices = new CopyOnWriteArrayList<>();
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final NettyTransport transport = NettyTransport.create(1, "test-client");
    private final Thread pump;
    private volatile boolean running = true;
    private int nextAddress = 5;

    InMemoryDialIn() {
        pump = new Thread(() -> {
            while (running) {
                network.deliverAll();
                for (Client c : clients) {
                    c.sessions.poll();
                    c.tunnels.poll();
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "gre-pump");
        pump.setDaemon(true);
        pump.start();
    }

    /** A new appliance database in {@code dir} with these VPN users, each with the password "NAME password". */
    static java.nio.file.Path databaseWithUsers(java.nio.file.Path dir, String... names) throws Exception {
        java.nio.file.Path db = dir.resolve("appliance.db");
        try (var store = org.homerouter.appliance.store.ApplianceStore.open(db)) {
            for (String n : names) {
                store.addUser(new org.homerouter.appliance.store.VpnUser(n,
                        org.homerouter.pptp.auth.NtPasswordHash.of(n + " password"), Optional.empty(), true, Optional.empty()));
            }
        }
        return db;
    }

    /** From now on no GRE gets through, either way (a firewall that passes only TCP port 1723). */
    void blockGre() {
        network.setImpairment((source, destination, packet) -> org.homerouter.pptp.gre.InMemoryGreNetwork.Fate.DROP);
    }

    /** GRE gets through again after {@link #blockGre}. */
    void passGre() {
        network.setImpairment(org.homerouter.pptp.gre.InMemoryGreNetwork.Impairment.NONE);
    }

    DataPlane dataPlane() {
        return dataPlane(BranchShares.NONE);
    }

    /** As {@link #dataPlane()}, with branch sessions' connection shares given through {@code shares}. */
    DataPlane dataPlane(BranchShares shares) {
        return new DataPlane(network.bind(InetAddress.getLoopbackAddress()), config -> {
            var d = new InMemoryTunnelDevice("pptp" + serverDevices.size(), config);
            serverDevices.add(d);
            return d;
        }, null, () -> { }, null, shares);
    }

    /** One dialled-in client: its session once up, how it ended, its tunnel device. */
    static final class Client {
        final CompletableFuture<PppSession> up = new CompletableFuture<>();
        final CompletableFuture<SessionEnd> ended = new CompletableFuture<>();
        /** The end's detail, as the client's owner reads it. */
        final CompletableFuture<String> endDetail = new CompletableFuture<>();
        final List<InMemoryTunnelDevice> devices = new CopyOnWriteArrayList<>();
        PppSessions sessions;
        CallTunnels tunnels;
        ClientConnection control;
        org.homerouter.pptp.gre.GreTransport gre;

        String tunnelAddress() throws Exception {
            return up.get(10, TimeUnit.SECONDS).ipConfiguration().orElseThrow().localAddress().orElseThrow().getHostAddress();
        }

        /** Stops the control connection (the server clears the call) and frees the address to dial from again. */
        void hangUp() throws Exception {
            control.stop().get(5, TimeUnit.SECONDS);
            gre.close();
        }
    }

    /** Dials in; the returned client's {@code up} completes when IP flows, {@code ended} when it is over. */
    Client dial(InetSocketAddress server, String user, String password) throws Exception {
        return dialFrom(server, user, password, "127.0.0." + nextAddress++);
    }

    /** As {@link #dial}, from the given loopback address (one that {@link #dial} does not hand out: 127.0.1.x). */
    Client dialFrom(InetSocketAddress server, String user, String password, String from) throws Exception {
        return dialFrom(server, user, password, from, List.of(AuthMethod.MSCHAP_V2), Optional.of(MppePolicy.DEFAULT));
    }

    /**
     * As {@link #dial}, a client that logs in only with {@code methods} and encrypts as {@code mppe}
     * allows (empty: a client without MPPE, which rejects CCP).
     */
    Client dialWith(InetSocketAddress server, String user, String password, List<AuthMethod> methods,
                    Optional<MppePolicy> mppe) throws Exception {
        return dialFrom(server, user, password, "127.0.0." + nextAddress++, methods, mppe);
    }

    Client dialFrom(InetSocketAddress server, String user, String password, String from,
                            List<AuthMethod> methods, Optional<MppePolicy> mppe) throws Exception {
        Client c = new Client();
        var gre = network.bind(InetAddress.getByName(from));
        c.gre = gre;
        var demux = new GreDemux();
        gre.setReceiver(demux);
        var settings = new SessionSettings(SessionRole.CLIENT, "client", LcpSettings.client(methods),
                AuthPolicy.DEFAULT.withMethods(methods.toArray(AuthMethod[]::new)), IpcpSettings.client(), mppe,
                Optional.of(new PeerCredentials(user, password)), "ppp");
        c.sessions = new PppSessions(settings, new SessionEnvironment(Clock.SYSTEM, new SecureRandom()::nextBytes, null, null,
                config -> {
                    var d = new InMemoryTunnelDevice("ppp0", config);
                    c.devices.add(d);
                    return d;
                }), new SessionListener() {
                    @Override
                    public void up(PppSession s) {
                        c.up.complete(s);
                    }

                    @Override
                    public void ended(PppSession s, SessionEnd r, String d) {
                        c.endDetail.complete(d);
                        c.ended.complete(r);
                        c.up.completeExceptionally(new AssertionError(r + " " + d));
                    }
                });
        c.tunnels = new CallTunnels(gre, demux, Clock.SYSTEM, GreChannelConfig.DEFAULTS, c.sessions::sinkFor, c.sessions);
        clients.add(c);
        c.control = ControlClient.connect(transport, server, InetAddress.getByName(from), ControlSettings.defaults("pns"),
                Clock.SYSTEM, Duration.ofMillis(50), c.tunnels, new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
        c.control.placeCall().get(5, TimeUnit.SECONDS);
        return c;
    }

    /** Dials in and expects the call refused as busy (RFC 2637 §2.8 result 4), not failed otherwise. */
    void dialRefusedBusy(InetSocketAddress server, String user, String password) {
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> dial(server, user, password), user + "'s call");
        var refusal = org.junit.jupiter.api.Assertions.assertInstanceOf(
                org.homerouter.pptp.control.CallSetupException.class, e.getCause(), user + "'s call");
        org.junit.jupiter.api.Assertions.assertEquals(org.homerouter.pptp.control.OutgoingCallReply.RESULT_BUSY,
                refusal.resultCode(), user + "'s call is refused as busy");
    }

    @Override
    public void close() {
        running = false;
        try {
            pump.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.shutdown(Duration.ofSeconds(1));
    }
}
