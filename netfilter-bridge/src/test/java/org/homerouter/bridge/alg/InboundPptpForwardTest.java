package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.bridge.admin.FailingCommands;
import org.homerouter.bridge.netns.CommandResult;
import org.homerouter.bridge.netns.Netns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The inbound forward's GRE DNAT leaves the router's own dial-out alone: GRE from the site-to-site
 * server stays with the router, GRE from anyone else goes to the LAN server. A forward whose removal
 * failed says so, and goes at the next try.
 */
@Tag("root")
class InboundPptpForwardTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final Pattern GRE_COUNTER = Pattern.compile("ip protocol gre .*counter packets (\\d+)");

    /**
     * One enhanced GRE packet (RFC 2637 §4.1, no payload) for {@code callId}, by a raw socket. A new
     * call ID each time: conntrack keys PPTP GRE by it, and NAT rules see only a connection's first packet.
     */
    private static void sendGre(Netns from, String source, String to, int callId) throws Exception {
        String py = "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_RAW, 47); s.bind(('" + source
                + "', 0)); s.sendto(bytes.fromhex('2001880b0000%04x'), ('" + to + "', 0))";
        py = String.format(py, callId);
        CommandResult r = from.exec(T, "python3", "-c", py);
        assertTrue(r.succeeded(), r.toString());
    }

    private static long greForwarded(Netns router) throws Exception {
        CommandResult r = router.exec(T, "nft", "list", "table", "ip", InboundPptpForward.TABLE);
        assertTrue(r.succeeded(), r.toString());
        Matcher m = GRE_COUNTER.matcher(r.output());
        assertTrue(m.find(), r.output());
        return Long.parseLong(m.group(1));
    }

    @Test
    void greFromTheDialOutsServerStaysWithTheRouter() throws Exception {
        try (Netns router = Netns.create("fwdr"); Netns wan = Netns.create("fwdw"); Netns lan = Netns.create("fwdl")) {
            Netns.linkVeth(wan, "198.51.100.2/24", router, "198.51.100.1/24");
            wan.ip("addr", "add", "198.51.100.3/24", "dev", Netns.VETH);
            lan.ip("link", "add", "lan0", "type", "veth", "peer", "name", "lan0", "netns", router.name());
            lan.ip("addr", "add", "10.60.0.2/24", "dev", "lan0");
            router.ip("addr", "add", "10.60.0.1/24", "dev", "lan0");
            lan.ip("link", "set", "lan0", "up");
            router.ip("link", "set", "lan0", "up");
            try (InboundPptpForward forward = new InboundPptpForward(router.name())) {
                forward.apply((Inet4Address) InetAddress.getByName("10.60.0.2"));
                forward.keepGreFrom((Inet4Address) InetAddress.getByName("198.51.100.2"));

                sendGre(wan, "198.51.100.2", "198.51.100.1", 7); // the dial-out's server
                assertEquals(0, greForwarded(router), "the router's own GRE was forwarded to the LAN server");
                sendGre(wan, "198.51.100.3", "198.51.100.1", 8); // a remote client of the LAN server
                assertEquals(1, greForwarded(router));

                forward.keepGreFrom(null); // the dial-out switched off
                sendGre(wan, "198.51.100.2", "198.51.100.1", 9);
                assertEquals(2, greForwarded(router));
            }
        }
    }

    /**
     * nft timing out on a busy board while the forward is removed: the caller is told (the appliance
     * then says "still forwarded" and tries again), not left to believe TCP 1723 and GRE from the WAN
     * no longer reach the LAN server; so is an nft that could not be run, whose "No such file or
     * directory" is not nft's "no such table"; the next try removes it, and one with nothing left
     * is quiet.
     */
    @Test
    void aForwardWhoseRemovalFailedIsReportedAndTheNextTryRemovesIt() throws Exception {
        try (Netns router = Netns.create("fwdrm")) {
            router.ip("link", "add", "lan0", "type", "veth", "peer", "name", "lan0p");
            router.ip("addr", "add", "10.61.0.1/24", "dev", "lan0");
            router.ip("link", "set", "lan0", "up");
            router.ip("link", "set", "lan0p", "up");
            FailingCommands commands = new FailingCommands(router.name());
            InboundPptpForward forward = new InboundPptpForward(router.name(), commands);
            forward.apply((Inet4Address) InetAddress.getByName("10.61.0.2"));

            commands.timeOut("nft delete table");
            IOException failed = assertThrows(IOException.class, forward::remove);
            assertTrue(failed.getMessage().contains("timed out"), failed.getMessage());
            assertTrue(tables(router).contains(InboundPptpForward.TABLE), "still forwarded: " + tables(router));
            // ENOENT, but not nft's: nft never ran (not found where ip netns exec looked for it).
            commands.exit(1, "exec of \"nft\" failed: No such file or directory", "nft delete table");
            failed = assertThrows(IOException.class, forward::remove);
            assertTrue(failed.getMessage().contains("exec of"), failed.getMessage());
            assertTrue(tables(router).contains(InboundPptpForward.TABLE), "still forwarded: " + tables(router));

            commands.heal();
            forward.remove();
            assertFalse(tables(router).contains(InboundPptpForward.TABLE), tables(router));
            new InboundPptpForward(router.name(), commands).remove(); // a start with none set and nothing left: quiet
        }
    }

    private static String tables(Netns router) throws Exception {
        CommandResult r = router.exec(T, "nft", "list", "tables");
        assertTrue(r.succeeded(), r.toString());
        return r.output();
    }
}
