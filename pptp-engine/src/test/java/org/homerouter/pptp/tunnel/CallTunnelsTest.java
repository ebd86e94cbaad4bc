package org.homerouter.pptp.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallIdSpace;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.tcp.ClientConnection;
import org.homerouter.pptp.control.tcp.ControlClient;
import org.homerouter.pptp.control.tcp.ControlServer;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreHeader;
import org.homerouter.pptp.gre.GreCodec;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's client and server: control over real TCP on loopback, GRE over the in-memory
 * network, with the call IDs the control connection negotiated.
 */
class CallTunnelsTest {
    // Two loopback addresses so that the in-memory GRE network can tell the two ends apart.
    private static final InetAddress SERVER = address("127.0.0.2");
    private static final InetAddress CLIENT = address("127.0.0.1");

    private final ManualClock clock = new ManualClock();
    private final InMemoryGreNetwork network = new InMemoryGreNetwork();
    private final List<String> serverReceived = new CopyOnWriteArrayList<>();
    private final List<String> clientReceived = new CopyOnWriteArrayList<>();
    private final GreDemux serverDemux = new GreDemux();
    private final GreDemux clientDemux = new GreDemux();
    private NettyTransport io;
    private ControlServer server;
    private CallTunnels serverTunnels;
    private CallTunnels clientTunnels;
    private InetSocketAddress serverAddress;

    private static InetAddress address(String a) {
        try {
            return InetAddress.getByName(a);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void start() throws Exception {
        GreTransport serverGre = network.bind(SERVER);
        GreTransport clientGre = network.bind(CLIENT);
        serverGre.setReceiver(serverDemux);
        clientGre.setReceiver(clientDemux);
        serverTunnels = new CallTunnels(serverGre, serverDemux, clock, GreChannelConfig.DEFAULTS,
                call -> payload -> serverReceived.add(text(payload)), TunnelListener.NONE);
        clientTunnels = new CallTunnels(clientGre, clientDemux, clock, GreChannelConfig.DEFAULTS,
                call -> payload -> clientReceived.add(text(payload)), TunnelListener.NONE);
        io = NettyTransport.create(2, "e2e-io");
        server = new ControlServer(io, new ControlServer.Options(ControlSettings.defaults("pac"), 8,
                Duration.ofMillis(10), clock), serverTunnels, new CallIdAllocator(8));
        serverAddress = server.start(new InetSocketAddress(SERVER, 0));
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ofMillis(200));
        io.shutdown(Duration.ofSeconds(1));
    }

    /** The client connections' allocators share their IDs, as on one router: separate random IDs could collide. */
    private final CallIdSpace clientCallIds = new CallIdSpace();

    private ClientConnection dial() throws Exception {
        return ControlClient.connect(io, serverAddress, ControlSettings.defaults("pns"), clock, Duration.ofMillis(10),
                clientTunnels, new CallIdAllocator(8, RandomGenerator.getDefault(), id -> false, clientCallIds))
                .get(5, TimeUnit.SECONDS);
    }

    private static String text(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, StandardCharsets.US_ASCII);
    }

    private static ByteBuffer frame(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static void await(String what, BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void framesFlowBothWaysOnTheNegotiatedCallIdsAndStopAtHangUp() throws Exception {
        ClientConnection client = dial();
        PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
        await("server tunnel", () -> serverTunnels.tunnels().size() == 1);
        CallTunnel serverSide = serverTunnels.tunnels().getFirst();
        CallTunnel clientSide = clientTunnels.tunnel(call.localCallId());
        assertNotNull(clientSide);
        assertEquals(CLIENT, serverSide.call().peerAddress(), "the server accepts GRE only from the control peer");

        for (int i = 0; i < 1000; i++) {
            clientSide.channel().send(frame("up " + i));
            serverSide.channel().send(frame("down " + i));
        }
        network.deliverAll();
        assertEquals(1000, serverReceived.size());
        assertEquals(1000, clientReceived.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals("up " + i, serverReceived.get(i));
            assertEquals("down " + i, clientReceived.get(i));
        }

        client.hangUp(call).get(5, TimeUnit.SECONDS);
        // The server forgets the tunnel, then unregisters its channel: wait for both.
        int serverId = serverSide.call().localCallId();
        await("server tunnel and its channel gone", () -> serverTunnels.tunnels().isEmpty()
                && serverDemux.channel(serverId) == null);
        assertNull(clientDemux.channel(call.localCallId()));

        // A frame sent on the dead channel reaches nobody.
        clientSide.channel().send(frame("late"));
        network.deliverAll();
        assertEquals(1000, serverReceived.size());
        assertTrue(serverDemux.counters().unknownCall() >= 1);
    }

    @Test
    void reorderedFramesArriveInOrderAndOwedAcksGoOutOnTimer() throws Exception {
        ClientConnection client = dial();
        PptpCall call = client.placeCall().get(5, TimeUnit.SECONDS);
        await("server tunnel", () -> serverTunnels.tunnels().size() == 1);
        CallTunnel clientSide = clientTunnels.tunnel(call.localCallId());
        CallTunnel serverSide = serverTunnels.tunnels().getFirst();

        // From the second packet on, every other client packet is overtaken by its successor. (The
        // very first packet fixes the receiver's expected sequence, so it is left in place.)
        int[] n = {0};
        network.setImpairment((src, dst, packet) -> src.equals(CLIENT) && n[0]++ % 2 == 1
                ? InMemoryGreNetwork.Fate.delayBy(1) : InMemoryGreNetwork.Fate.DELIVER);
        for (int i = 0; i < 64; i++) {
            clientSide.channel().send(frame("f" + i));
        }
        network.deliverAll();
        network.releaseDelayed();
        network.deliverAll();
        assertEquals(64, serverReceived.size(), serverSide.channel().counters().toString());
        for (int i = 0; i < 64; i++) {
            assertEquals("f" + i, serverReceived.get(i));
        }
        assertTrue(serverSide.channel().counters().reordered() > 0);

        // The server has nothing to send: after the ack delay its timer sends an ack-only packet.
        network.setImpairment(InMemoryGreNetwork.Impairment.NONE);
        clock.advance(Duration.ofMillis(150));
        serverTunnels.poll();
        network.deliverAll();
        assertEquals(0, clientSide.channel().unacknowledged());
    }

    @Test
    void greFromAnAddressOtherThanTheControlPeerIsDropped() throws Exception {
        ClientConnection client = dial();
        client.placeCall().get(5, TimeUnit.SECONDS);
        await("server tunnel", () -> serverTunnels.tunnels().size() == 1);
        CallTunnel serverSide = serverTunnels.tunnels().getFirst();

        GreTransport attacker = network.bind(address("127.0.0.3"));
        ByteBuffer packet = ByteBuffer.allocate(64);
        byte[] payload = "injected".getBytes(StandardCharsets.US_ASCII);
        GreCodec.encode(GreHeader.data(serverSide.call().localCallId(), payload.length, 1), packet);
        packet.put(payload).flip();
        attacker.send(SERVER, packet);
        network.deliverAll();

        assertTrue(serverReceived.isEmpty(), "a guessed call ID from another address injects nothing");
        assertEquals(1, serverDemux.counters().wrongSource());
        assertArrayEquals(new Object[0], serverReceived.toArray());
    }
}
