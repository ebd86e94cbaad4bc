package org.homerouter.bridge.alg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which conntrack entries a removed or moved inbound forward ends ({@link InboundPptpForward#forwardedCalls}),
 * and the nft script that resets their control connections ({@link ControlConnectionCut#script}). No root.
 */
class ForwardedCallsTest {
    private static final Inet4Address CALLER = v4("198.51.100.7");
    private static final Inet4Address OTHER_CALLER = v4("198.51.100.8");
    private static final Inet4Address ROUTER = v4("203.0.113.5");
    private static final Inet4Address OLD = v4("192.168.1.10");
    private static final Inet4Address NEW = v4("192.168.1.11");
    private static final int SNAT = ConntrackEntry.SOURCE_NAT;
    private static final int DNAT = ConntrackEntry.DESTINATION_NAT;

    private static Inet4Address v4(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static ConntrackEntry entry(int proto, Inet4Address os, int osp, Inet4Address od, int odp, Inet4Address rs,
                                        int rsp, Inet4Address rd, int rdp, int status) {
        return new ConntrackEntry(proto, os, osp, od, odp, rs, rsp, rd, rdp, status | 0xe, 1);
    }

    /** The caller's control connection, its GRE to the old server (DNAT) and the old server's back (masquerade). */
    private final ConntrackEntry control = entry(6, CALLER, 40000, ROUTER, 1723, OLD, 1723, CALLER, 40000, DNAT);
    private final ConntrackEntry greIn = entry(47, CALLER, 0, ROUTER, 0x80, OLD, 0x80, CALLER, 0, DNAT);
    private final ConntrackEntry greOut = entry(47, OLD, 0, CALLER, 0x7, CALLER, 0x7, ROUTER, 0, SNAT);
    /** Another caller's, forwarded to the new server: stays when the old one's calls end. */
    private final ConntrackEntry otherControl = entry(6, OTHER_CALLER, 50000, ROUTER, 1723, NEW, 1723, OTHER_CALLER,
            50000, DNAT);
    private final ConntrackEntry otherGreIn = entry(47, OTHER_CALLER, 0, ROUTER, 0x90, NEW, 0x90, OTHER_CALLER, 0, DNAT);
    /** A LAN client's own call out through the masquerade (the passthrough's): never the forward's. */
    private final ConntrackEntry lanOut = entry(6, OLD, 33000, CALLER, 1723, CALLER, 1723, ROUTER, 33000, SNAT);
    /** Web traffic to the old server, port-forwarded some other way: not PPTP. */
    private final ConntrackEntry web = entry(6, CALLER, 40001, ROUTER, 443, OLD, 443, CALLER, 40001, DNAT);

    private final List<ConntrackEntry> table = List.of(web, control, lanOut, greIn, otherControl, greOut, otherGreIn);

    @Test
    void theOldServersCallsAreTheCallersControlAndGreBothWays() {
        InboundPptpForward.ForwardedCalls calls = InboundPptpForward.forwardedCalls(table, OLD);
        assertEquals(List.of(new InetSocketAddress(CALLER, 40000)), calls.callers());
        assertEquals(List.of(control, greIn, greOut), calls.entries());
    }

    /** An earlier run's forward, to a server no longer known: every forwarded call, to whichever server. */
    @Test
    void anEarlierRunsForwardEndsEveryForwardedCall() {
        InboundPptpForward.ForwardedCalls calls = InboundPptpForward.forwardedCalls(table, null);
        assertEquals(List.of(new InetSocketAddress(CALLER, 40000), new InetSocketAddress(OTHER_CALLER, 50000)),
                calls.callers());
        assertEquals(List.of(control, otherControl, greIn, greOut, otherGreIn), calls.entries());
    }

    @Test
    void theCutRejectsEitherSidesSegmentsForAWhile() {
        String script = ControlConnectionCut.script(List.of(new InetSocketAddress(CALLER, 40000),
                new InetSocketAddress(OTHER_CALLER, 50000), new InetSocketAddress(CALLER, 40000)), Duration.ofMinutes(5));
        assertTrue(script.contains("add set ip homerouter_pptp_cut callers { type ipv4_addr . inet_service; flags timeout; }"),
                script);
        assertTrue(script.contains("add rule ip homerouter_pptp_cut input ip saddr . tcp sport @callers tcp dport 1723"
                + " reject with tcp reset"), script);
        assertTrue(script.contains("add rule ip homerouter_pptp_cut forward ip daddr . tcp dport @callers tcp sport 1723"
                + " reject with tcp reset"), script);
        assertTrue(script.contains("add element ip homerouter_pptp_cut callers { 198.51.100.7 . 40000 timeout 300s,"
                + " 198.51.100.8 . 50000 timeout 300s }"), script);
        // Before the base firewall's filter chains, whose "ct state established" would accept them.
        assertTrue(script.contains("priority filter - 5"), script);
        // Applied again (another removal): the rules are flushed, not doubled; the set keeps its elements.
        assertTrue(script.indexOf("flush chain ip homerouter_pptp_cut forward")
                < script.indexOf("add rule ip homerouter_pptp_cut forward"), script);
    }
}
