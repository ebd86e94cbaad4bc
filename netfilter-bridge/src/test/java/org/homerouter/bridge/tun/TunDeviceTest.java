package org.homerouter.bridge.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import java.lang.foreign.Arena;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.homerouter.bridge.admin.AdminCommands;
import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.pptp.tunnel.TunnelConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TUN session devices in a namespace the test makes: configured as pppd would configure ppp0,
 * read by the one shared reader, answering the real ping(8) of the namespace, and gone when
 * closed.
 */
@Tag("root")
class TunDeviceTest {
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void pingOfEachPeerIsAnsweredThroughItsDeviceAndClosingRemovesTheInterfaces() throws Exception {
        List<String> names = new ArrayList<>();
        try (Netns ns = Netns.create("tun"); TunDeviceFactory factory = new TunDeviceFactory()) {
            // Two sessions sharing the server's local address, as pppd's ppp0 and ppp1 do.
            InetAddress local = InetAddress.getByName("10.202.0.1");
            List<TunDevice> devices = new ArrayList<>();
            try {
                for (String peer : List.of("10.202.0.2", "10.202.0.3")) {
                    TunnelConfig config = new TunnelConfig("pptp", local, InetAddress.getByName(peer), 1400);
                    devices.add(NetworkNamespace.call(ns.name(), () -> factory.open(config)));
                }
                devices.forEach(d -> names.add(d.name()));
                assertTrue(names.get(0).matches("pptp\\d+"), names.toString());
                assertNotEquals(names.get(0), names.get(1));

                String first = ns.ip("-4", "addr", "show", "dev", names.get(0));
                assertTrue(first.contains("inet 10.202.0.1 peer 10.202.0.2/32"), first);
                String link = ns.ip("link", "show", "dev", names.get(0));
                assertTrue(link.contains("mtu 1400") && link.contains("POINTOPOINT") && link.contains(",UP"), link);
                // IPv4 only: no link-local address, so no IPv6 (router solicitations, or a
                // client's packets) ever travels through a session device.
                String v6 = ns.ip("-6", "addr", "show", "dev", names.get(0));
                assertFalse(v6.contains("inet6"), "IPv6 on a session device: " + v6);
                String routes = ns.ip("-4", "route");
                assertTrue(routes.contains("10.202.0.3 dev " + names.get(1)), routes);

                List<IcmpEchoResponder> responders = new ArrayList<>();
                for (TunDevice device : devices) {
                    IcmpEchoResponder responder = new IcmpEchoResponder(device);
                    responders.add(responder);
                    device.start(responder);
                }
                // Both pings at once: the one reader thread serves both devices.
                List<CommandResult> results = new CopyOnWriteArrayList<>();
                List<Thread> pings = new ArrayList<>();
                for (String peer : List.of("10.202.0.2", "10.202.0.3")) {
                    pings.add(Thread.ofPlatform().start(() -> {
                        try {
                            results.add(ns.exec(PING_TIMEOUT, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", peer));
                        } catch (IOException e) {
                            results.add(new CommandResult("ping " + peer, -2, e.toString()));
                        }
                    }));
                }
                for (Thread t : pings) {
                    t.join(PING_TIMEOUT.plusSeconds(5));
                }
                assertEquals(2, results.size());
                for (CommandResult ping : results) {
                    assertEquals(0, ping.exitCode(), ping.toString());
                    assertTrue(ping.output().contains("3 received"), ping.output());
                }
                for (IcmpEchoResponder r : responders) {
                    assertEquals(3, r.answered());
                }
            } finally {
                devices.forEach(TunDevice::close);
            }
            String links = ns.ip("link");
            for (String name : names) {
                assertFalse(links.contains(name + ":"), links);
            }
            ByteBuffer packet = ByteBuffer.allocate(20);
            IOException afterClose = assertThrows(IOException.class, () -> devices.get(0).write(packet));
            assertTrue(afterClose.getMessage().contains("closed"), afterClose.getMessage());
        }
    }

    @Test
    void everyBurstTheReaderDeliversEndsWithEndOfBurstOnTheReaderThread() throws Exception {
        try (Netns ns = Netns.create("tunb"); TunDeviceFactory factory = new TunDeviceFactory()) {
            TunnelConfig config = new TunnelConfig("pptp", InetAddress.getByName("10.204.0.1"),
                    InetAddress.getByName("10.204.0.2"), 1400);
            TunDevice device = NetworkNamespace.call(ns.name(), () -> factory.open(config));
            // "p" per packet ("p1" for ICMPv4, "p0" for anything else the kernel sends, e.g. IPv6
            // router solicitations), "e" per end of burst, each with the thread it came on.
            List<String> events = new CopyOnWriteArrayList<>();
            try {
                device.start(new org.homerouter.pptp.tunnel.IpPacketSink() {
                    @Override
                    public void onIpPacket(ByteBuffer packet) {
                        boolean icmp4 = (packet.get(packet.position()) & 0xF0) == 0x40
                                && packet.get(packet.position() + 9) == 1;
                        events.add((icmp4 ? "p1 " : "p0 ") + Thread.currentThread().getName());
                    }

                    @Override
                    public void endOfBurst() {
                        events.add("e " + Thread.currentThread().getName());
                    }
                });
                // Nobody answers: the echo requests only need to reach the device, quickly one after another.
                ns.exec(PING_TIMEOUT, "ping", "-n", "-q", "-c", "20", "-i", "0.002", "-W", "1", "10.204.0.2");
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (events.stream().filter(e -> e.startsWith("p1")).count() < 20 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                // The reader ends a burst once a read finds the device empty, just after the last packet.
                while ((events.isEmpty() || !events.getLast().startsWith("e")) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                List<String> seen = List.copyOf(events);
                long packets = seen.stream().filter(e -> e.startsWith("p")).count();
                long ends = seen.stream().filter(e -> e.startsWith("e")).count();
                assertEquals(20, seen.stream().filter(e -> e.startsWith("p1")).count(), seen.toString());
                assertTrue(ends >= 1 && ends <= packets, seen.toString());
                assertTrue(seen.getLast().startsWith("e"), "the last burst was ended: " + seen);
                for (int i = 1; i < seen.size(); i++) {
                    assertFalse(seen.get(i).startsWith("e") && seen.get(i - 1).startsWith("e"),
                            "no empty burst is ended: " + seen);
                }
                assertTrue(seen.stream().allMatch(e -> e.endsWith(" tun-reader")), seen.toString());
            } finally {
                device.close();
            }
        }
    }

    @Test
    void anInterfaceDeletedUnderItsSessionIsReportedOnceAndTheOtherDevicesLiveOn() throws Exception {
        try (Netns ns = Netns.create("tund"); TunDeviceFactory factory = new TunDeviceFactory()) {
            InetAddress local = InetAddress.getByName("10.203.0.1");
            List<TunDevice> devices = new ArrayList<>();
            List<String> failures = new CopyOnWriteArrayList<>();
            try {
                for (String peer : List.of("10.203.0.2", "10.203.0.3")) {
                    TunnelConfig config = new TunnelConfig("pptp", local, InetAddress.getByName(peer), 1400);
                    TunDevice device = NetworkNamespace.call(ns.name(), () -> factory.open(config));
                    devices.add(device);
                    IcmpEchoResponder responder = new IcmpEchoResponder(device);
                    device.start(new org.homerouter.pptp.tunnel.IpPacketSink() {
                        @Override
                        public void onIpPacket(ByteBuffer packet) {
                            responder.onIpPacket(packet);
                        }

                        @Override
                        public void deviceFailed(String reason) {
                            failures.add(device.name() + ": " + reason);
                        }
                    });
                }
                String doomed = devices.get(0).name();
                ns.ip("link", "del", doomed); // what an admin's `ip link del` or a crashed helper does

                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (failures.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(1, failures.size(), failures.toString());
                assertTrue(failures.getFirst().startsWith(doomed + ": "), failures.toString());

                CommandResult ping = ns.exec(PING_TIMEOUT, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "10.203.0.3");
                assertEquals(0, ping.exitCode(), "the other session's device still works: " + ping);
                Thread.sleep(200);
                assertEquals(1, failures.size(), "reported once, and the reader did not spin on the dead fd");
            } finally {
                devices.forEach(TunDevice::close);
            }
        }
    }

    @Test
    void closingTheFactoryClosesItsDevices() throws Exception {
        try (Netns ns = Netns.create("tunf")) {
            TunDeviceFactory factory = new TunDeviceFactory();
            TunnelConfig config = new TunnelConfig("sess%d", InetAddress.getByName("10.203.0.1"),
                    InetAddress.getByName("10.203.0.2"), 1500);
            TunDevice device = NetworkNamespace.call(ns.name(), () -> factory.open(config));
            device.start(packet -> { });
            assertTrue(device.name().startsWith("sess"), device.name());
            assertTrue(ns.ip("link").contains(device.name() + ":"));
            // Longer than any IPv4 packet: refused as such, not an IndexOutOfBoundsException.
            assertThrows(IOException.class, () -> device.write(ByteBuffer.allocate(65_536)));
            factory.close();
            assertFalse(ns.ip("link").contains(device.name() + ":"));
            assertThrows(IllegalStateException.class, () -> factory.open(config));
        }
    }

    /**
     * A route being added (ip runs for up to 10 s on a busy board) holds up neither the device's
     * close nor, through a close waiting on the fd lock, the data-path thread's reads and writes,
     * which then waited for ip as well; the interface stays until the command is done, so the route
     * cannot land on a newer interface of the same name.
     */
    @Test
    void aCloseWhileARouteIsBeingAddedNeitherWaitsForItNorHoldsUpTheDevice() throws Exception {
        try (Netns ns = Netns.create("tunr"); TunDeviceFactory factory = new TunDeviceFactory()) {
            TunnelConfig config = new TunnelConfig("pptp", InetAddress.getByName("10.204.0.1"),
                    InetAddress.getByName("10.204.0.2"), 1400);
            TunDevice device = NetworkNamespace.call(ns.name(), () -> factory.open(config));
            CountDownLatch inIp = new CountDownLatch(1);
            CountDownLatch ipDone = new CountDownLatch(1);
            device.routesBy(new AdminCommands(ns.name()) {
                @Override
                public String run(String stdin, String... command) throws IOException {
                    inIp.countDown();
                    try {
                        ipDone.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    return "";
                }
            });
            Thread adding = Thread.ofPlatform().start(() -> {
                try {
                    device.addRoute((java.net.Inet4Address) InetAddress.getByName("10.204.1.0"), 24);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                assertTrue(inIp.await(5, TimeUnit.SECONDS), "the route command never ran");
                Thread closing = Thread.ofPlatform().start(device::close);
                closing.join(2_000);
                assertFalse(closing.isAlive(), "close waited for the route command");
                assertEquals(-Errno.EBADF, device.read(Arena.ofAuto().allocate(2048), 2048));
                assertTrue(ns.ip("link").contains(device.name() + ":"), "the interface went before the route did");
            } finally {
                ipDone.countDown();
            }
            adding.join(5_000);
            assertFalse(adding.isAlive());
            assertFalse(ns.ip("link").contains(device.name() + ":"), "the interface outlived its route command");
        }
    }
}
