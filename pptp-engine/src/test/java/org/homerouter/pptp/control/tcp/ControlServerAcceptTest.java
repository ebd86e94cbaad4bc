package org.homerouter.pptp.control.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.RecordingCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What happens at accept. The router listens on every address (0.0.0.0, which an epoll socket makes
 * dual-stack) but its GRE is IPv4's: a control connection over IPv6 is closed at once and takes no
 * slot, so that hosts of a routed IPv6 prefix (each /64 a source of its own) cannot fill the slots
 * the real clients need. Every call placed is reported, and no connection that placed none (the
 * Dashboard says whether clients from the internet reach the router: port scanners' connections
 * said they did). Over loopback (::1 and 127.0.0.1).
 */
class ControlServerAcceptTest {
    private static final Duration TICK = Duration.ofMillis(10);
    private final ManualClock clock = new ManualClock();
    private NettyTransport transport;
    private ControlServer server;

    private int start(boolean ipv4Only) throws Exception {
        transport = NettyTransport.create(1, "v6-io");
        // 2 in all, 1 per address.
        server = new ControlServer(transport, new ControlServer.Options(ControlSettings.defaults("v6-pac"), 2, 1, 1000,
                TICK, clock, ipv4Only), new RecordingCalls(), new CallIdAllocator(2));
        return server.start(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0)).getPort();
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ofMillis(200));
        transport.shutdown(Duration.ofSeconds(1));
    }

    private static boolean closedByServer(Socket s) {
        try {
            s.setSoTimeout(2000);
            return s.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void aConnectionOverIpv6IsClosedAndTakesNoSlotWhileAnIpv4ClientGetsIn() throws Exception {
        int port = start(true);
        try (Socket v6 = new Socket(InetAddress.getByName("::1"), port);
             Socket v6again = new Socket(InetAddress.getByName("::1"), port)) {
            assertTrue(closedByServer(v6) && closedByServer(v6again), "closed at accept");
        }
        assertEquals(0, server.refusedConnections(), "not counted as the limits' refusals (a scanner, a flood)");
        assertEquals(0, server.connections().size());
        // Both slots free: a client over IPv4 sets up its control connection and places a call.
        ClientConnection client = ControlClient.connect(transport, new InetSocketAddress("127.0.0.1", port),
                ControlSettings.defaults("v4-pns"), clock, TICK, new RecordingCalls(), new CallIdAllocator(2))
                .get(5, TimeUnit.SECONDS);
        client.placeCall().get(5, TimeUnit.SECONDS);
        Await.until("the IPv4 client's connection held", () -> server.connections().size() == 1);
    }

    @Test
    void onlyConnectionsThatPlaceACallAreReported() throws Exception {
        int port = start(true);
        java.util.List<InetAddress> reached = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.onCallPlaced(reached::add);
        // A port scanner: connects, sends nothing (or is refused), goes.
        try (Socket scanner = new Socket(InetAddress.getByName("127.0.0.1"), port);
             Socket v6 = new Socket(InetAddress.getByName("::1"), port)) {
            assertTrue(closedByServer(v6));
            Await.until("the scanner's connection held", () -> server.connections().size() == 1);
        }
        Await.until("the scanner's connection gone", () -> server.connections().isEmpty());
        assertEquals(java.util.List.of(), reached, "no call placed");
        ClientConnection client = ControlClient.connect(transport, new InetSocketAddress("127.0.0.1", port),
                ControlSettings.defaults("v4-pns"), clock, TICK, new RecordingCalls(), new CallIdAllocator(2))
                .get(5, TimeUnit.SECONDS);
        client.placeCall().get(5, TimeUnit.SECONDS);
        assertEquals(java.util.List.of(InetAddress.getByName("127.0.0.1")), reached);
    }

    /**
     * A connection the limits refuse reached this router: its source is reported, so that the
     * Dashboard does not tell an owner whose clients are refused here that none got through.
     */
    @Test
    void aConnectionRefusedByTheLimitsIsReportedWithItsSource() throws Exception {
        int port = start(true);
        java.util.List<InetAddress> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.onRefused(refused::add);
        try (Socket first = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
            Await.until("the first connection held", () -> server.connections().size() == 1);
            try (Socket second = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
                assertTrue(closedByServer(second), "one per address");
            }
        }
        assertEquals(1, server.refusedConnections());
        assertEquals(java.util.List.of(InetAddress.getByName("127.0.0.1")), refused);
    }

    @Test
    void withoutTheRuleAnIpv6ConnectionIsCountedAsAnyOther() throws Exception {
        int port = start(false);
        try (Socket v6 = new Socket(InetAddress.getByName("::1"), port)) {
            Await.until("the IPv6 connection held", () -> server.connections().size() == 1);
            assertEquals(0, server.refusedConnections());
        }
    }
}
