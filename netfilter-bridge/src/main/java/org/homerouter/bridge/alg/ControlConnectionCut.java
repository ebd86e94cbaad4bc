package org.homerouter.bridge.alg;

import org.homerouter.bridge.admin.AdminCommands;
import org.homerouter.pptp.control.ControlProtocol;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Ends PPTP control connections the router no longer carries (an inbound forward removed or moved,
 * passthrough switched off): the next segment either side sends on one is answered with a TCP reset
 * ({@code reject with tcp reset}, whose sequence number is the one the sender acknowledged, so its
 * stack takes it), and so the call ends at once on both sides instead of when their keepalives give
 * up. Deleting the connection's conntrack entry alone would not do: with {@code nf_conntrack_tcp_loose}
 * (the default) the next segment is picked up as a new connection, which the masquerade sends out
 * again with the same ports, and the connection goes on.
 *
 * <p>Each connection is named by its calling end, the one that is not TCP port 1723 (a LAN client's
 * address and port as the LAN sees them; an outside caller's as the WAN does), in a set of nftables
 * table {@value #TABLE} whose elements time out after {@link #HOLD}: long enough for a segment of
 * either side (PPTP's echo request comes after 60 s of silence at the latest, RFC 2637 2.7), short
 * enough that the set empties itself. The chains come before the base firewall's ({@code filter - 5}),
 * whose {@code ct state established} would accept the segments.
 */
public final class ControlConnectionCut {
    public static final String TABLE = "homerouter_pptp_cut";
    static final Duration HOLD = Duration.ofMinutes(5);

    private final AdminCommands commands;

    /** @param netns run inside this namespace (tests), or null for our own */
    public ControlConnectionCut(String netns) {
        this(new AdminCommands(netns));
    }

    ControlConnectionCut(AdminCommands commands) {
        this.commands = commands;
    }

    /** The nft script that cuts the connections of {@code callers} (each a calling end: address and port). */
    static String script(Collection<InetSocketAddress> callers, Duration hold) {
        String port = Integer.toString(ControlProtocol.TCP_PORT);
        String t = "ip " + TABLE;
        String fromCaller = "ip saddr . tcp sport @callers tcp dport " + port + " reject with tcp reset";
        String toCaller = "ip daddr . tcp dport @callers tcp sport " + port + " reject with tcp reset";
        String elements = callers.stream()
                .map(c -> ((Inet4Address) c.getAddress()).getHostAddress() + " . " + c.getPort() + " timeout "
                        + hold.toSeconds() + "s")
                .distinct().sorted().collect(Collectors.joining(", "));
        return String.join("\n",
                "add table " + t,
                "add set " + t + " callers { type ipv4_addr . inet_service; flags timeout; }",
                // The caller's segments to the router itself: an inbound forward removed.
                "add chain " + t + " input { type filter hook input priority filter - 5; policy accept; }",
                "flush chain " + t + " input",
                "add rule " + t + " input " + fromCaller,
                // Passed on: a LAN client's to its server and back, an outside caller's to a LAN server
                // (a forward moved to another: the new DNAT) and the old server's to the caller.
                "add chain " + t + " forward { type filter hook forward priority filter - 5; policy accept; }",
                "flush chain " + t + " forward",
                "add rule " + t + " forward " + fromCaller,
                "add rule " + t + " forward " + toCaller,
                elements.isEmpty() ? "" : "add element " + t + " callers { " + elements + " }",
                "");
    }

    /** Cuts the control connections of {@code callers}; nothing when there are none. */
    public void cut(Collection<InetSocketAddress> callers) throws IOException {
        if (callers.isEmpty()) {
            return;
        }
        commands.run(script(callers, HOLD), "nft", "-f", "-");
    }
}
