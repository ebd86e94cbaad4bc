package org.homerouter.bridge.gre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.NetworkNamespace;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A forged ICMP "fragmentation needed" (anyone on the internet can send one quoting a GRE packet
 * from the router to a client: GRE without the PPTP helper is tracked by addresses alone) must
 * not shrink what the GRE socket sends to that client: before, one such ICMP every 10 minutes
 * made every tunnel packet to the client leave in fragments of 576 octets, which paths that drop
 * fragments (mobile carriers' NAT, some firewalls) lose.
 */
@Tag("root")
class RawGreSocketPathMtuTest {
    private static final Pattern PACKETS = Pattern.compile("counter packets (\\d+)");

    @Test
    void aForgedFragmentationNeededDoesNotSplitTheTunnelsPackets() throws Exception {
        try (Netns router = Netns.create("pmtr"); Netns client = Netns.create("pmtc")) {
            Netns.linkVeth(router, "10.201.1.1/24", client, "10.201.1.2/24");
            Inet4Address routerAddress = (Inet4Address) InetAddress.getByName("10.201.1.1");
            Inet4Address clientAddress = (Inet4Address) InetAddress.getByName("10.201.1.2");
            // Fragments counted as they arrive at the client, before any reassembly.
            CommandResult counting = client.exec(Duration.ofSeconds(10), "nft", "add table netdev fragments; "
                    + "add chain netdev fragments seen { type filter hook ingress device " + Netns.VETH + " priority 0; }; "
                    + "add rule netdev fragments seen ip protocol gre ip frag-off & 0x3fff != 0 counter");
            assertTrue(counting.succeeded(), counting.toString());
            RawGreSocket socket = NetworkNamespace.call(router.name(), () -> RawGreSocket.open(routerAddress));
            try {
                // The quoted packet: the router's GRE to the client (RFC 2637 §4.1 header, call ID 7).
                CommandResult forged = client.exec(Duration.ofSeconds(10), "python3", "-c", String.join("\n",
                        "import socket, struct",
                        "def csum(b):",
                        "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))",
                        "    s = (s >> 16) + (s & 0xffff); s += s >> 16",
                        "    return ~s & 0xffff",
                        "ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 1440, 1, 0x4000, 64, 47, 0,"
                                + " socket.inet_aton('10.201.1.1'), socket.inet_aton('10.201.1.2'))",
                        "ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]",
                        "quoted = ip + struct.pack('!HHHH', 0x3001, 0x880b, 1400, 7)",
                        "icmp = struct.pack('!BBHHH', 3, 4, 0, 0, 576) + quoted",
                        "icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]",
                        "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)",
                        "s.sendto(icmp, ('10.201.1.1', 0))"));
                assertTrue(forged.succeeded(), forged.toString());
                Thread.sleep(200);
                ByteBuffer packet = ByteBuffer.allocate(1400);
                packet.putShort((short) 0x3001).putShort((short) 0x880b).putShort((short) (1400 - 12)).putShort((short) 7)
                        .putInt(1).position(0);
                for (int i = 0; i < 5; i++) {
                    socket.send(clientAddress, packet.duplicate());
                }
                Thread.sleep(200);
            } finally {
                socket.close();
            }
            CommandResult counted = client.exec(Duration.ofSeconds(10), "nft", "list chain netdev fragments seen");
            Matcher m = PACKETS.matcher(counted.output());
            assertTrue(m.find(), counted.toString());
            assertEquals(0, Integer.parseInt(m.group(1)), "GRE fragments that reached the client: "
                    + router.ip("route", "get", "10.201.1.2"));
        }
    }
}
