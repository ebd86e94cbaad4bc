package org.homerouter.bridge.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * GRE the kernel will not send, in a namespace the test makes: an output firewall rule (EPERM), a
 * source address the router no longer has, as after the WAN address changed (ENETUNREACH). Each
 * used to be a debug line or nothing: the owner saw only sessions ending as if their clients had
 * gone. Now each says, once per errno within a budget, what failed, between which addresses, and
 * what it means.
 */
@Tag("root")
class RawGreSocketSendFailureTest {
    private static final Duration COMMAND = Duration.ofSeconds(20);

    @Test
    void greTheKernelRefusesIsWarnedAboutWithTheErrnoTheAddressesAndWhatItMeans() throws Exception {
        Inet4Address loopback = (Inet4Address) InetAddress.getByName("127.0.0.1");
        Inet4Address gone = (Inet4Address) InetAddress.getByName("192.0.2.7");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream err = System.err;
        try (Netns ns = Netns.create("gresend")) {
            RawGreSocket socket = NetworkNamespace.call(ns.name(), RawGreSocket::open);
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                socket.send(loopback, packet()); // goes: nothing to say

                assertTrue(ns.exec(COMMAND, "iptables", "-A", "OUTPUT", "-p", "47", "-j", "DROP").succeeded());
                ErrnoException refused = assertThrows(ErrnoException.class, () -> socket.send(loopback, packet()));
                assertEquals(Errno.EPERM, refused.errno());
                assertTrue(refused.getMessage().contains("firewall rule"), refused.getMessage());
                assertFalse(refused.getMessage().contains("CAP_NET_RAW"), "the socket is open: no capability is missing");
                assertTrue(ns.exec(COMMAND, "iptables", "-D", "OUTPUT", "-p", "47", "-j", "DROP").succeeded());

                ErrnoException noSource = assertThrows(ErrnoException.class, () -> socket.send(gone, loopback, packet()));
                assertEquals(Errno.ENETUNREACH, noSource.errno());
                socket.sendBatched(gone, loopback, packet());
                assertEquals(1, socket.flush());
            } finally {
                System.setErr(err);
                socket.close();
            }
        }
        List<String> warnings = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("WARN"))
                .toList();
        assertEquals(3, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(0).contains("GRE to 127.0.0.1 from the address its route picks not sent (1 packet)")
                && warnings.get(0).contains("[EPERM]: a firewall rule on this router drops GRE"), warnings.get(0));
        assertTrue(warnings.get(1).contains("GRE to 127.0.0.1 from 192.0.2.7 not sent (1 packet)")
                && warnings.get(1).contains("[ENETUNREACH]") && warnings.get(1).contains("no longer this router's"),
                warnings.get(1));
        assertTrue(warnings.get(2).contains("GRE to 127.0.0.1 from 192.0.2.7 not sent (1 of 1 packets)"), warnings.get(2));
    }

    /** Enhanced GRE (RFC 2637 §4.1): key and sequence present, version 1, PPP; payload length 4, call 0x1234, sequence 1. */
    private static ByteBuffer packet() {
        return ByteBuffer.wrap(new byte[] {0x30, (byte) 0x81, (byte) 0x88, 0x0B, 0, 4, 0x12, 0x34, 0, 0, 0, 1,
                (byte) 0xFF, 0x03, (byte) 0xC0, 0x21});
    }
}
