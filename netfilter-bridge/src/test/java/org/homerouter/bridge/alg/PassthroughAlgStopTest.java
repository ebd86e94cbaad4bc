package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.homerouter.bridge.admin.AdminCommands;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.alg.PublicAddressResolver;
import org.homerouter.pptp.alg.RouterCallIds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The ALG stopping (a service restart, passthrough switched off) with segments in its queue. */
@Tag("root")
class PassthroughAlgStopTest {
    private static final int QUEUE = 13;
    private static final Duration COMMAND = Duration.ofSeconds(20);

    /**
     * What the queue holds when the ALG's stop begins goes on. Before, the reader ended at the
     * stop's start, and what came meanwhile was dropped with the queue rule (the kernel drops
     * what a rule going queued) or the socket's close: a PPTP server's reply held there at a service
     * restart was lost, and the restarted ALG met the client's retransmission first, a segment the
     * server had, which its reset does not end (the restart test's client stayed up in CI).
     */
    @Test
    void segmentsQueuedWhenTheAlgStopsGoOn() throws Exception {
        try (Netns ns = Netns.create("algstop")) {
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch goOn = new CountDownLatch(1);
            // The reader asks for the new connection's public address: held up there while the stop begins.
            PublicAddressResolver slow = flow -> {
                busy.countDown();
                try {
                    goOn.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("no NAT for the test's connection");
            };
            // The stop held up before it takes the queue rule out (whose going drops what is still queued).
            CountDownLatch removing = new CountDownLatch(1);
            CountDownLatch remove = new CountDownLatch(1);
            AtomicBoolean stopping = new AtomicBoolean();
            AdminCommands commands = new AdminCommands(ns.name()) {
                @Override
                public String run(String stdin, String... command) throws IOException {
                    if (stopping.get() && String.join(" ", command).contains(" -D FORWARD ")) {
                        removing.countDown();
                        try {
                            remove.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return super.run(stdin, command);
                }
            };
            PassthroughAlg alg = PassthroughAlg.start(commands, ns.name(), QUEUE, slow, RouterCallIds.NONE);
            try (DatagramChannel receiver = NetworkNamespace.call(ns.name(),
                         () -> DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 9)));
                 DatagramChannel sender = NetworkNamespace.call(ns.name(), DatagramChannel::open);
                 SocketChannel control = NetworkNamespace.call(ns.name(), SocketChannel::open)) {
                // The namespace's own traffic into the ALG's queue (its rule takes forwarded connections only).
                iptables(ns, "-t", "mangle", "-A", "OUTPUT", "-p", "tcp", "--dport", "1723", "-j", "NFQUEUE",
                        "--queue-num", Integer.toString(QUEUE));
                iptables(ns, "-t", "mangle", "-A", "OUTPUT", "-p", "udp", "--dport", "9", "-j", "NFQUEUE",
                        "--queue-num", Integer.toString(QUEUE));
                control.configureBlocking(false);
                control.connect(new InetSocketAddress("127.0.0.1", 1723));
                assertTrue(busy.await(10, TimeUnit.SECONDS), "the ALG took the SYN");
                sender.send(ByteBuffer.wrap("queued".getBytes(StandardCharsets.US_ASCII)),
                        new InetSocketAddress("127.0.0.1", 9));

                stopping.set(true);
                Thread stopper = Thread.ofPlatform().start(alg::close);
                assertTrue(removing.await(10, TimeUnit.SECONDS), "the stop began");
                goOn.countDown();

                receiver.configureBlocking(false);
                ByteBuffer got = ByteBuffer.allocate(64);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (receiver.receive(got) == null && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                remove.countDown();
                stopper.join(COMMAND.plusSeconds(10).toMillis());
                assertEquals("queued", new String(got.array(), 0, got.position(), StandardCharsets.US_ASCII),
                        "the datagram queued behind the held segment when the ALG's stop began");
            } finally {
                goOn.countDown();
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
