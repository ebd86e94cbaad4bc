package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.HeldConnections;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An ended VPN session's connection tracking entries are deleted before its tunnel address goes to
 * the next session: left behind (an established TCP one 5 days, masqueraded ones included), the
 * replies to the previous user's connections reached whoever got the address next. Two "sessions"
 * share a veth named like a session's device; the router masquerades to the internet.
 *
 * <pre>
 *  sess 10.8.0.5, 10.8.0.6 --pptp0--[router 10.8.0.1; eth1 192.168.1.1] --eth0-- 203.0.113.9 internet
 *                                        |-- 192.168.1.20 lan
 * </pre>
 */
@Tag("root")
class ConntrackFlowsTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final String ENDED = "10.8.0.5";
    private static final String OTHER = "10.8.0.6";
    private static final int PORT = 7000;

    private Netns router;
    private Netns session;
    private Netns internet;
    private Netns lan;
    private final HeldConnections held = new HeldConnections();

    @BeforeEach
    void namespaces() throws Exception {
        router = Netns.create("ctr");
        session = Netns.create("cts");
        internet = Netns.create("cti");
        lan = Netns.create("ctl");
        Netns.linkVeth(session, "veth0", ENDED + "/24", router, "pptp0", "10.8.0.1/24");
        session.ip("addr", "add", OTHER + "/24", "dev", "veth0");
        Netns.linkVeth(router, "eth0", "203.0.113.1/24", internet, "veth0", "203.0.113.9/24");
        Netns.linkVeth(router, "eth1", "192.168.1.1/24", lan, "veth0", "192.168.1.20/24");
        session.ip("route", "add", "default", "via", "10.8.0.1");
        lan.ip("route", "add", "default", "via", "192.168.1.1");
        assertTrue(router.exec(T, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1").succeeded());
        CommandResult nat = router.exec(T, "nft", "add table ip t; add chain ip t post { type nat hook postrouting"
                + " priority 100; }; add rule ip t post oifname eth0 masquerade");
        assertTrue(nat.succeeded(), nat.toString());
        held.listen(internet.name(), "203.0.113.9", PORT);
        held.listen(session.name(), ENDED, PORT);
        held.listen(session.name(), OTHER, PORT);
    }

    @AfterEach
    void deleteNamespaces() throws Exception {
        held.close();
        Netns.closeAll(session, internet, lan, router);
    }

    @Test
    void anEndedAddressesEntriesAreGoneAndOthersStay() throws Exception {
        for (String address : List.of(ENDED, OTHER)) {
            held.connect(session.name(), address, "203.0.113.9", PORT, 2000);     // TCP, masqueraded to the internet
            held.connect(lan.name(), "192.168.1.20", address, PORT, 2000);       // TCP from the LAN to it
            udp(address, "203.0.113.9", PORT + 1, 1);     // UDP to the internet
            CommandResult ping = session.exec(T, "ping", "-c", "1", "-W", "2", "-I", address, "203.0.113.9");
            assertTrue(ping.succeeded(), ping.toString());
            gre(address);
        }
        Set<String> before = protocols(ENDED);
        assertEquals(Set.of("1", "6", "17", "47"), before, "ICMP, TCP, UDP and GRE tracked for it: " + before);

        int removed = new ConntrackFlows(router.name()).forget(List.of(ip(ENDED)), List.of());

        assertEquals(Set.of(), protocols(ENDED), "its entries are gone");
        assertEquals(Set.of("1", "6", "17", "47"), protocols(OTHER), "the other session's stay");
        assertEquals(5, removed, "two TCP, one UDP, one ping, one GRE");
    }

    /**
     * What a sweep costs: 10,000 UDP entries of the ended address among 10,000 of another, one dump
     * and 10,000 deletes.
     */
    @Test
    void tenThousandEntriesAreSweptInOneGo() throws Exception {
        udp(ENDED, "203.0.113.9", 20000, 10_000);
        udp(OTHER, "203.0.113.9", 20000, 10_000);
        long start = System.nanoTime();
        int removed = new ConntrackFlows(router.name()).forget(List.of(ip(ENDED)), List.of());
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("swept " + removed + " of 20,000 entries in " + ms + " ms");
        assertEquals(10_000, removed);
        assertEquals(10_000, new ConntrackTable(router.name()).dump().size());
    }

    /** The protocols of the router's entries whose original source or destination is {@code address}. */
    private Set<String> protocols(String address) throws Exception {
        Set<String> found = new TreeSet<>();
        for (ConntrackEntry e : new ConntrackTable(router.name()).dump()) {
            if (e.originalSource().equals(ip(address)) || e.originalDestination().equals(ip(address))) {
                found.add(String.valueOf(e.protocol()));
            }
        }
        return found;
    }

    private void udp(String from, String to, int firstPort, int count) throws IOException {
        try (NetworkNamespace.Scope in = NetworkNamespace.enter(session.name());
             DatagramChannel c = DatagramChannel.open()) {
            c.bind(new InetSocketAddress(from, 0));
            for (int i = 0; i < count; i++) {
                c.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress(to, firstPort + i));
            }
        }
    }

    /**
     * One enhanced GRE packet (RFC 2637 §4.1) from {@code source} to the LAN, by a raw socket: not
     * masqueraded, as two GRE flows without the PPTP helper's keys cannot share the WAN address.
     */
    private void gre(String source) throws Exception {
        String py = "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_RAW, 47); s.bind(('" + source
                + "', 0)); s.sendto(bytes.fromhex('2001880b00000007'), ('192.168.1.20', 0))";
        CommandResult r = session.exec(T, "python3", "-c", py);
        assertTrue(r.succeeded(), r.toString());
    }

    private static Inet4Address ip(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }
}
