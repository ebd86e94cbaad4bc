package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.homerouter.bridge.netns.NetworkNamespace;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.alg.PublicAddressResolver;
import org.homerouter.pptp.alg.RouterCallIds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The ALG falling behind its queue, in a namespace the test makes: the kernel then drops the
 * packets queued for it, and the LAN clients' control connections stall. That used to leave no
 * trace anywhere; now the router's event log (and the service log) says so.
 */
@Tag("root")
class PassthroughAlgQueueTroubleTest {
    private static final int QUEUE = 12;
    private static final Duration COMMAND = Duration.ofSeconds(20);
    /**
     * Datagrams queued while the ALG is held up, until they hold more than its socket does. A
     * sender has a few in flight at most (each stays charged to its send buffer while it waits in
     * the queue): so many senders. Under the queue's own length (1,024 packets), so that what
     * drops them is the socket's buffer, which the ALG counts.
     */
    private static final int MAX_SENDERS = 250;
    private static final int DATAGRAMS_EACH = 4;
    private static final int DATAGRAM = 60_000;

    @Test
    void packetsTheKernelDroppedWhileTheAlgFellBehindAreReportedToTheEventLog() throws Exception {
        try (Netns ns = Netns.create("algq")) {
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch goOn = new CountDownLatch(1);
            // The ALG's reader asks for a new connection's public address: held up there.
            PublicAddressResolver slow = flow -> {
                busy.countDown();
                try {
                    goOn.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("no NAT for the test's connection");
            };
            List<String> events = new CopyOnWriteArrayList<>();
            PassthroughAlg alg = PassthroughAlg.start(ns.name(), QUEUE, slow, RouterCallIds.NONE);
            List<AutoCloseable> sockets = new ArrayList<>();
            try {
                alg.onProblem(events::add);
                // The namespace's own traffic into the ALG's queue (the ALG's rule takes forwarded
                // connections only): a control connection's SYN, then UDP to fill the queue with.
                iptables(ns, "-t", "mangle", "-A", "OUTPUT", "-p", "tcp", "--dport", "1723", "-j", "NFQUEUE",
                        "--queue-num", Integer.toString(QUEUE));
                iptables(ns, "-t", "mangle", "-A", "OUTPUT", "-p", "udp", "--dport", "9", "-j", "NFQUEUE",
                        "--queue-num", Integer.toString(QUEUE));
                sockets.add(NetworkNamespace.call(ns.name(), () -> {
                    SocketChannel c = SocketChannel.open();
                    c.configureBlocking(false);
                    c.connect(new InetSocketAddress("127.0.0.1", 1723));
                    return c;
                }));
                assertTrue(busy.await(10, TimeUnit.SECONDS), "the ALG took the SYN");
                // What the socket holds: the kernel doubles what the ALG asks for (socket(7)), and
                // may cap it; each queued copy takes its length and more of it.
                long holds = alg.queueBuffer();
                long sent = 0;
                int datagrams = 0;
                for (int i = 0; i < MAX_SENDERS && sent <= holds + DATAGRAM; i++) {
                    DatagramChannel d = NetworkNamespace.call(ns.name(), DatagramChannel::open);
                    sockets.add(d);
                    d.configureBlocking(false);
                    for (int j = 0; j < DATAGRAMS_EACH; j++) {
                        // Non-blocking: 0 when the sender's buffer is full, and nothing is queued.
                        int n = d.send(ByteBuffer.allocate(DATAGRAM), new InetSocketAddress("127.0.0.1", 9));
                        sent += n;
                        datagrams += n > 0 ? 1 : 0;
                    }
                }
                assertTrue(sent > holds, "only " + sent + " octets in " + datagrams + " datagrams could be queued"
                        + " for the ALG, not more than its socket holds (" + holds + "): nothing can overflow");
                goOn.countDown();

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (events.stream().noneMatch(e -> e.contains("dropped PPTP control packets"))
                        && System.nanoTime() < deadline) {
                    alg.refresh(); // hands the event log what the reader found
                    Thread.sleep(50);
                }
                String line = events.stream().filter(e -> e.contains("dropped PPTP control packets")).findFirst()
                        .orElseThrow(() -> new AssertionError("no event: " + events));
                assertTrue(line.startsWith("passthrough: the kernel dropped PPTP control packets queued for the ALG")
                        && line.contains("the ALG fell behind"), line);
            } finally {
                goOn.countDown();
                for (AutoCloseable s : sockets) {
                    s.close();
                }
                alg.close();
            }
        }
    }

    private static void iptables(Netns ns, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("iptables", "-w"));
        command.addAll(List.of(args));
        var result = ns.exec(COMMAND, command.toArray(String[]::new));
        assertTrue(result.succeeded(), result.output());
    }
}
