package org.homerouter.pptp.control.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.RecordingCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every control connection slot taken by a few addresses holding silent connections: a client
 * from another address still gets in, in place of one of theirs. Over loopback, each "address"
 * one of 127.0.0.0/8's.
 */
class ControlServerRoomTest {
    private static final Duration TICK = Duration.ofMillis(10);

    private final ManualClock clock = new ManualClock();
    private final List<Socket> silent = new ArrayList<>();
    private NettyTransport transport;
    private ControlServer server;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        transport = NettyTransport.create(2, "room-io");
        // 4 in all, 2 per address: two addresses can take every slot.
        server = new ControlServer(transport,
                new ControlServer.Options(ControlSettings.defaults("room-pac"), 4, 2, 1000, TICK, clock),
                new RecordingCalls(), new CallIdAllocator(4));
        address = server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : silent) {
            s.close();
        }
        server.stop(Duration.ofMillis(200));
        transport.shutdown(Duration.ofSeconds(1));
    }

    /** A TCP connection from {@code from} that never says anything. */
    private Socket silentFrom(String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(address, 2000);
        s.setSoTimeout(50);
        silent.add(s);
        return s;
    }

    /** Whether the server has closed {@code s} (it reads end of stream). */
    private static boolean closedByServer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private long closedCount() throws IOException {
        long n = 0;
        for (Socket s : silent) {
            if (closedByServer(s)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aClientFromAnotherAddressGetsInInPlaceOfASilentConnectionOfTheAddressHoldingTheMost() throws Exception {
        for (String from : List.of("127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3")) {
            silentFrom(from);
        }
        Await.until("four connections held", () -> server.connections().size() == 4);

        // A real client (from 127.0.0.1) sets its control connection up and places a call.
        ClientConnection client = ControlClient.connect(transport, address, ControlSettings.defaults("room-pns"), clock,
                TICK, new RecordingCalls(), new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
        client.placeCall().get(5, TimeUnit.SECONDS);
        Await.until("one silent connection closed", () -> {
            try {
                return closedCount() == 1;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });

        // Room is made only from an address holding at least two more than the newcomer's: once
        // every address holds as many as another's newcomer would, the limit refuses as before.
        Socket third = silentFrom("127.0.0.4"); // 127.0.0.2 or .3 still holds 2: one of those goes
        Await.until("a second silent connection closed", () -> {
            try {
                return closedCount() == 2;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(!closedByServer(third), "the newcomer from 127.0.0.4 is in");
        Socket refused = silentFrom("127.0.0.5"); // everyone holds 1 now (the client's has a call)
        Await.until("the fifth address refused", () -> {
            try {
                return closedByServer(refused);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(3, closedCount(), "the refused one, and the two closed to make room");
        assertEquals(1, client.state().calls().size(), "the client's call is untouched");
    }

    /** The server's connections that carry a logged-in call. */
    private static long loggedIn(ControlServer server) {
        return server.connections().stream().filter(c -> c.calls().stream().anyMatch(PptpCall::loggedIn)).count();
    }

    /**
     * A server of {@code total} control connections in all and 2 per address (not counting those
     * of logged-in users), whose session layer logs every call in at once. Not started.
     */
    private ControlServer loggingEveryCallIn(int total) {
        CallListener loggingIn = new CallListener() {
            @Override
            public void callEstablished(PptpCall call) {
                call.markLoggedIn();
            }

            @Override
            public void callCleared(PptpCall call, String reason) {
            }
        };
        return new ControlServer(transport,
                new ControlServer.Options(ControlSettings.defaults("office-pac"), total, 2, 1000, TICK, clock),
                loggingIn, new CallIdAllocator(16));
    }

    @Test
    void workersBehindOneOfficeNatAreNotCountedAgainstTheirAddressOnceLoggedIn() throws Exception {
        ControlServer office = loggingEveryCallIn(16);
        InetSocketAddress at = office.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try {
            // Four workers from one address (127.0.0.1, the office's NAT), each logged in.
            List<ClientConnection> workers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ClientConnection w = ControlClient.connect(transport, at, ControlSettings.defaults("worker-" + i), clock,
                        TICK, new RecordingCalls(), new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
                w.placeCall().get(5, TimeUnit.SECONDS);
                workers.add(w);
            }
            for (ClientConnection w : workers) {
                assertEquals(1, w.state().calls().size(), "every worker's call is up");
            }
            // A worker's call is up at its end on the reply; the server marks it logged in just after
            // sending it, on that connection's own event loop.
            Await.until("the workers logged in at the server", () -> loggedIn(office) == 4);
            // The limit still holds for connections that have logged nobody in.
            address = at;
            Socket first = silentFrom("127.0.0.1");
            Socket second = silentFrom("127.0.0.1");
            Socket third = silentFrom("127.0.0.1");
            Await.until("the third silent connection refused", () -> {
                try {
                    return closedByServer(third);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(!closedByServer(first) && !closedByServer(second), "two silent ones are within the limit");
        } finally {
            office.stop(Duration.ofMillis(200));
        }
    }

    @Test
    void makingRoomTakesAFloodersConnectionNotTheOfficesWhoseOthersAreLoggedIn() throws Exception {
        ControlServer office = loggingEveryCallIn(6);
        InetSocketAddress at = office.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try {
            // The office's NAT (127.0.0.1): three workers logged in, a fourth redialling (no call yet).
            for (int i = 0; i < 3; i++) {
                ControlClient.connect(transport, at, ControlSettings.defaults("worker-" + i), clock, TICK,
                        new RecordingCalls(), new CallIdAllocator(4)).get(5, TimeUnit.SECONDS)
                        .placeCall().get(5, TimeUnit.SECONDS);
            }
            Await.until("the workers logged in at the server", () -> loggedIn(office) == 3);
            ClientConnection redialling = ControlClient.connect(transport, at, ControlSettings.defaults("worker-3"),
                    clock, TICK, new RecordingCalls(), new CallIdAllocator(4)).get(5, TimeUnit.SECONDS);
            // A flooder holds its address's two.
            address = at;
            Socket flood1 = silentFrom("127.0.0.2");
            Socket flood2 = silentFrom("127.0.0.2");
            Await.until("every slot taken", () -> office.connections().size() == 6);

            Socket newcomer = silentFrom("127.0.0.3");
            Await.until("one of the flooder's closed", () -> {
                try {
                    return closedByServer(flood1) || closedByServer(flood2);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(!closedByServer(newcomer), "the newcomer is in");
            assertTrue(!redialling.closed().isDone(), "the office's redialling worker keeps its connection");
        } finally {
            office.stop(Duration.ofMillis(200));
        }
    }
}
