package org.homerouter.bridge.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router image's share of the connection table for VPN sessions: one client holding the table
 * full (32,768 entries, each established TCP one kept 5 days) made every new connection fail for
 * everyone, the LAN's, new VPN logins' and the UI's. Here each session's share is 3 and all of
 * theirs together 5 (the image's 2,048 and 16,384, replaced); session devices are veths named
 * {@code pptp9} and {@code pptp8}. A session's 4th connection, to the internet, to the router, or a
 * ping, is dropped, whatever source address it uses (a branch office has many); the sessions
 * together stop at 5; the LAN still connects.
 *
 * <pre>
 *  sessA 192.168.250.11, .12 --pptp9--+
 *  sessB 192.168.251.11      --pptp8--[router 192.168.1.1 eth1] --eth0-- 203.0.113.9 internet
 *                                          |-- 192.168.1.20 lan
 * </pre>
 */
@Tag("root")
class VpnConnectionShareTest {
    private static final int SHARE = 3;
    private static final int ALL = 5;
    private static final int PORT = 7000;

    @TempDir
    Path dir;

    private Netns router;
    private Netns sessionA;
    private Netns sessionB;
    private Netns internet;
    private Netns lan;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void namespaces() throws Exception {
        router = Netns.create("vsr");
        sessionA = Netns.create("vsa");
        sessionB = Netns.create("vsb");
        internet = Netns.create("vsi");
        lan = Netns.create("vsl");
        Netns.linkVeth(sessionA, "veth0", "192.168.250.11/24", router, "pptp9", "192.168.250.1/24");
        sessionA.ip("addr", "add", "192.168.250.12/24", "dev", "veth0"); // a branch office's second host
        Netns.linkVeth(sessionB, "veth0", "192.168.251.11/24", router, "pptp8", "192.168.251.1/24");
        Netns.linkVeth(router, "eth0", "203.0.113.1/24", internet, "veth0", "203.0.113.9/24");
        Netns.linkVeth(router, "eth1", "192.168.1.1/24", lan, "veth0", "192.168.1.20/24");
        sessionA.ip("route", "add", "default", "via", "192.168.250.1");
        sessionB.ip("route", "add", "default", "via", "192.168.251.1");
        lan.ip("route", "add", "default", "via", "192.168.1.1");
        assertTrue(router.exec(Duration.ofSeconds(10), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1").succeeded());
        Path conf = dir.resolve("nftables.conf");
        String image = Files.readString(Path.of("..", "image", "overlay", "etc", "nftables.conf"));
        assertTrue(image.contains("iifname ct count over 2048 }") && image.contains("ct count over 16384 counter"),
                "the image's shares, replaced here");
        Files.writeString(conf, image.replace("iifname ct count over 2048 }", "iifname ct count over " + SHARE + " }")
                .replace("ct count over 16384 counter", "ct count over " + ALL + " counter"));
        CommandResult loaded = router.exec(Duration.ofSeconds(10), "nft", "-f", conf.toString());
        assertTrue(loaded.succeeded(), loaded.toString());
        listen(internet, "203.0.113.9");
        listen(router, "192.168.250.1");
    }

    @AfterEach
    void deleteNamespaces() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        Netns.closeAll(sessionA, sessionB, internet, lan, router);
    }

    @Test
    void aSessionsConnectionsBeyondItsShareAreDroppedAndTheLansAreNot() throws Exception {
        assertEquals(SHARE, connections(sessionA, "192.168.250.11", "203.0.113.9", SHARE + 2),
                "its own share to the internet, no more");
        assertEquals(0, connections(sessionA, "192.168.250.12", "203.0.113.9", 1), "nor from another of its addresses");
        assertEquals(0, connections(sessionA, "192.168.250.11", "192.168.250.1", 1), "nor to the router itself");
        assertFalse(sessionA.exec(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "1", "192.168.250.1").succeeded(),
                "nor a ping to the router (each echo ID is a connection of its own)");
        assertEquals(ALL - SHARE, connections(sessionB, "192.168.251.11", "203.0.113.9", SHARE),
                "another session has its own share, within what all of them may hold");
        assertEquals(SHARE + 2, connections(lan, "192.168.1.20", "203.0.113.9", SHARE + 2), "the LAN is not limited");
        String counted = router.exec(Duration.ofSeconds(10), "nft", "list", "chain", "inet", "homerouter", "vpn_new")
                .output();
        assertFalse(counted.contains("counter packets 0 "), "both limits counted what they dropped: " + counted);
    }

    /** A TCP server at {@code address} in {@code ns} that accepts and holds every connection. */
    private void listen(Netns ns, String address) throws IOException {
        ServerSocket server = new ServerSocket();
        try (NetworkNamespace.Scope in = NetworkNamespace.enter(ns.name())) {
            server.bind(new InetSocketAddress(address, PORT));
        }
        open.add(server);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    open.add(server.accept());
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
    }

    /** How many of {@code tries} connections from {@code from} in {@code ns} to {@code to} were made (each kept open). */
    private int connections(Netns ns, String from, String to, int tries) throws IOException {
        int made = 0;
        for (int i = 0; i < tries; i++) {
            Socket s = new Socket();
            open.add(s);
            try (NetworkNamespace.Scope in = NetworkNamespace.enter(ns.name())) {
                s.bind(new InetSocketAddress(from, 0));
                s.connect(new InetSocketAddress(to, PORT), 1500);
                made++;
            } catch (IOException dropped) {
                // a SYN dropped: no answer within the timeout
            }
        }
        return made;
    }
}
