package org.homerouter.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's start forgets the kernel's connection tracking entries that the sessions of the
 * run before left in the pool's range (it stopped or crashed with them up, and their ends were
 * never swept): the first client back would be sent the replies meant for whoever had its address.
 * An address just outside the range keeps its entries. The appliance runs as on the router, in a
 * namespace whose table already holds UDP flows from "sessions" of the default pool
 * (192.168.250.10 to .59), sent from a namespace beside it.
 *
 * <pre>
 *  sessions 192.168.250.11, .12 (pool), .60 (not) on 10.99.0.2 --lan1-- [router 10.99.0.1]
 * </pre>
 */
@Tag("root")
class StartSweepNetnsTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final Duration START = Duration.ofSeconds(60);
    private final List<Launched> launched = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        Launched.killAll(launched, Duration.ofSeconds(10));
    }

    @Test
    void theEntriesLeftInThePoolsRangeAreGoneAtStartAndOthersStay() throws Exception {
        try (Netns router = Netns.create("swr"); Netns sessions = Netns.create("sws")) {
            Netns.linkVeth(sessions, "veth0", "10.99.0.2/24", router, "lan1", "10.99.0.1/24");
            for (String a : List.of("192.168.250.11", "192.168.250.12", "192.168.250.60")) {
                sessions.ip("addr", "add", a + "/32", "dev", "veth0");
            }
            router.ip("route", "add", "192.168.250.0/24", "via", "10.99.0.2");
            // Tracking on in the router's namespace (a rule that needs it), and unanswered UDP kept
            // 10 minutes, not 30 s: the appliance's JVM may take a while to start on a busy machine.
            CommandResult tracked = router.exec(T, "nft", "add table inet kept; add chain inet kept in { type filter"
                    + " hook input priority 0; }; add rule inet kept in ct state new counter");
            assertTrue(tracked.succeeded(), tracked.toString());
            assertTrue(router.exec(T, "sysctl", "-q", "-w", "net.netfilter.nf_conntrack_udp_timeout=600").succeeded());
            for (String a : List.of("192.168.250.11", "192.168.250.12", "192.168.250.60")) {
                udp(sessions, a, "10.99.0.1", 7000);
            }
            assertEquals(List.of(1, 1, 1), entriesFrom(router, "192.168.250.11", "192.168.250.12", "192.168.250.60"),
                    table(router));

            Launched appliance = Launched.start("router", Launched.appliance(router, "run", "--data-dir",
                    dir.resolve("data").toString(), "--ui-port", "8080"), null, dir);
            launched.add(appliance);
            appliance.awaitOutput("web UI on http://", START);

            List<Integer> left = Eventually.value(() -> entriesFrom(router, "192.168.250.11", "192.168.250.12",
                    "192.168.250.60"), n -> n.equals(List.of(0, 0, 1)));
            assertEquals(List.of(0, 0, 1), left, "the pool's gone, the address outside it kept: " + table(router)
                    + appliance.report());
            assertTrue(appliance.output().contains("connection tracking: removed 2 entries left by sessions before this"
                    + " start (the pool's range "), appliance.report());
        }
    }

    /** One UDP datagram from {@code from} (an address of {@code ns}) to {@code to}: an entry, unanswered. */
    private static void udp(Netns ns, String from, String to, int port) throws Exception {
        try (NetworkNamespace.Scope in = NetworkNamespace.enter(ns.name());
             DatagramChannel c = DatagramChannel.open()) {
            c.bind(new InetSocketAddress(from, 0));
            c.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress(to, port));
        }
    }

    /** How many of the router's entries each address is the original source of. */
    private static List<Integer> entriesFrom(Netns router, String... addresses) throws Exception {
        String table = table(router);
        List<Integer> counts = new ArrayList<>();
        for (String a : addresses) {
            counts.add(table.split("src=" + a + " ", -1).length - 1);
        }
        return counts;
    }

    private static String table(Netns router) throws Exception {
        CommandResult r = router.exec(T, "cat", "/proc/net/nf_conntrack");
        assertTrue(r.succeeded(), r.toString());
        return r.output();
    }
}
