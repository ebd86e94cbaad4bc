package org.homerouter.bridge.alg;

import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Port forwarding of PPTP to a server inside the LAN: TCP 1723 and GRE (IP protocol 47) that
 * reach one of the router's own addresses from anywhere but the LAN server's side are DNATed to
 * the LAN server; its answers leave through the masquerade like any other LAN traffic. No call-ID
 * rewriting is needed (one PAC behind the router, its call IDs are its own), so this is one
 * nftables table, applied in one transaction and deleted at {@link #close}.
 *
 * <p>Why plain DNAT works for GRE without the kernel's PPTP helper: conntrack then tracks GRE by
 * addresses and the key's call ID, so the server's answers (carrying the client's call ID) open
 * their own connection, which the masquerade SNATs; the passthrough ALG's per-call rules act in
 * prerouting before conntrack ({@code notrack}) and so never meet these. The router's own PPTP
 * server cannot listen on the same public address at the same time: the DNAT takes TCP 1723.
 *
 * <p>For the same reason the router's own site-to-site dial-out would lose its server's GRE to the
 * LAN server (its answers open a new conntrack entry, which the DNAT takes): GRE from the
 * addresses in the set {@value #ROUTER_GRE} stays with the router ({@link #keepGreFrom}).
 *
 * <p>Removing or moving the forward ends the calls that came in through it ({@link #endCalls}):
 * their conntrack entries keep the old DNAT, and the base firewall accepts {@code ct state
 * established} before any NAT is looked at again, so without it the callers would stay connected
 * to the old LAN server.
 */
public final class InboundPptpForward implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InboundPptpForward.class);
    public static final String TABLE = "homerouter_pptp_in";
    private static final Pattern DEV = Pattern.compile("\\bdev (\\S+)");
    /** The set of servers whose GRE is the router's own (the dial-out's). */
    static final String ROUTER_GRE = "router_gre";

    private final AdminCommands commands;
    private final String netns;
    private boolean applied;
    /** The LAN server forwarded to now, or null (none, or an earlier run's unknown one). */
    private Inet4Address server;
    /** The callers whose calls the last removal or move ended, and why some could not be; see {@link #lastEnded}. */
    private Ended lastEnded = new Ended(List.of(), 0, "");

    /** @param netns run inside this namespace (tests), or null for our own */
    public InboundPptpForward(String netns) {
        this(netns, new AdminCommands(netns));
    }

    InboundPptpForward(String netns, AdminCommands commands) {
        this.netns = netns;
        this.commands = commands;
    }

    /**
     * What the last {@link #remove} or move ({@link #apply} to another server) ended: the addresses
     * of the callers connected through the forward, how many of their conntrack entries (TCP 1723,
     * GRE both ways) were deleted, and why their calls could not be ended, or "".
     */
    public record Ended(List<String> callers, int entriesDeleted, String failure) {
    }

    /** What the last removal or move ended. */
    public synchronized Ended lastEnded() {
        return lastEnded;
    }

    /**
     * The conntrack entries of the calls forwarded to {@code server} (null: to any LAN server, for an
     * earlier run's forward), and their callers' ends: the callers' TCP 1723 and GRE DNATed to it, and
     * its GRE back to those callers, which the masquerade tracks apart (its keys are not the
     * callers' GRE's reply).
     */
    record ForwardedCalls(List<InetSocketAddress> callers, List<ConntrackEntry> entries) {
    }

    static ForwardedCalls forwardedCalls(List<ConntrackEntry> table, Inet4Address server) {
        List<InetSocketAddress> callers = new ArrayList<>();
        Set<Inet4Address> callerAddresses = new LinkedHashSet<>();
        Set<Inet4Address> servers = new LinkedHashSet<>();
        List<ConntrackEntry> entries = new ArrayList<>();
        for (ConntrackEntry e : table) {
            if (e.protocol() == ConntrackEntry.TCP && e.destinationNatted()
                    && e.originalDestinationPort() == org.homerouter.pptp.control.ControlProtocol.TCP_PORT
                    && (server == null || e.replySource().equals(server))) {
                callers.add(new InetSocketAddress(e.originalSource(), e.originalSourcePort()));
                callerAddresses.add(e.originalSource());
                servers.add(e.replySource());
                entries.add(e);
            }
        }
        for (ConntrackEntry e : table) {
            if (e.protocol() != ConntrackEntry.GRE) {
                continue;
            }
            boolean fromCaller = e.destinationNatted() && (server == null ? servers.contains(e.replySource())
                    || callerAddresses.contains(e.originalSource()) : e.replySource().equals(server));
            boolean toCaller = e.sourceNatted() && callerAddresses.contains(e.originalDestination())
                    && (server == null ? servers.contains(e.originalSource()) : e.originalSource().equals(server));
            if (fromCaller || toCaller) {
                entries.add(e);
            }
        }
        return new ForwardedCalls(callers, entries);
    }

    /**
     * Ends the calls forwarded to {@code to} (null: to any LAN server): their control connections are
     * reset at the next segment either side sends ({@link ControlConnectionCut}), and their conntrack
     * entries deleted, so that the callers' GRE no longer reaches the old server. Never throws: what
     * could not be done is in {@link #lastEnded} and the log.
     */
    private void endCalls(Inet4Address to) {
        String where = to == null ? "a LAN server" : to.getHostAddress();
        List<String> callers = List.of();
        try {
            ForwardedCalls calls = forwardedCalls(new ConntrackTable(netns).dump(), to);
            callers = calls.callers().stream().map(c -> c.getAddress().getHostAddress()).distinct().sorted().toList();
            // The cut first: a segment between the two would otherwise be picked up as a new connection.
            new ControlConnectionCut(commands).cut(calls.callers());
            ConntrackTable table = new ConntrackTable(netns);
            int deleted = 0;
            for (ConntrackEntry e : calls.entries()) {
                if (table.delete(e)) {
                    deleted++;
                }
            }
            if (!callers.isEmpty()) {
                LOG.info("alg: inbound PPTP calls forwarded to {} ended: callers {} reset at their next segment,"
                        + " {} conntrack entries deleted", where, callers, deleted);
            }
            lastEnded = new Ended(callers, deleted, "");
        } catch (IOException | RuntimeException e) {
            LOG.warn("alg: the inbound PPTP calls forwarded to {} could not all be ended: {}", where, e.getMessage());
            lastEnded = new Ended(callers, 0, String.valueOf(e.getMessage()));
        }
    }

    /** The rule set forwarding to {@code server}, reached through {@code lanDevice}. */
    static String ruleset(Inet4Address server, String lanDevice) {
        String s = server.getHostAddress();
        String dev = "\"" + lanDevice + "\"";
        return String.join("\n",
                "table ip " + TABLE + " {}",
                "delete table ip " + TABLE,
                "table ip " + TABLE + " {",
                "  set " + ROUTER_GRE + " { type ipv4_addr; }",
                "  chain pre {",
                "    type nat hook prerouting priority dstnat; policy accept;",
                "    iifname != " + dev + " fib daddr type local tcp dport 1723 counter dnat to " + s,
                "    iifname != " + dev + " fib daddr type local ip protocol gre ip saddr != @" + ROUTER_GRE
                        + " counter dnat to " + s,
                "  }",
                "}",
                "");
    }

    /** Installs (or replaces) the forwarding to {@code server}. */
    public synchronized void apply(Inet4Address server) throws IOException {
        String route = commands.run(null, "ip", "-4", "-o", "route", "get", server.getHostAddress());
        Matcher m = DEV.matcher(route);
        if (!m.find()) {
            throw new IOException("no interface towards " + server.getHostAddress() + ": " + route.trim());
        }
        commands.run(ruleset(server, m.group(1)), "nft", "-f", "-");
        Inet4Address was = applied ? this.server : null;
        applied = true;
        this.server = server;
        LOG.info("alg: inbound PPTP (TCP 1723 + GRE) forwarded to {} on {}", server.getHostAddress(), m.group(1));
        if (was != null && !was.equals(server)) {
            endCalls(was); // moved: the calls to the old one keep its DNAT in conntrack
        }
    }

    /**
     * GRE from {@code dialOutServer} (the router's own site-to-site server; null for none) stays
     * with the router instead of being forwarded.
     */
    public synchronized void keepGreFrom(Inet4Address dialOutServer) throws IOException {
        if (!applied) {
            return;
        }
        String script = "flush set ip " + TABLE + " " + ROUTER_GRE + "\n"
                + (dialOutServer == null ? "" : "add element ip " + TABLE + " " + ROUTER_GRE + " { "
                + dialOutServer.getHostAddress() + " }\n");
        commands.run(script, "nft", "-f", "-");
    }

    /**
     * Removes the forwarding, this object's or one an earlier run left (by its table's name); quiet
     * when there is none. The calls that came in through it end ({@link #lastEnded}).
     *
     * @throws IOException when nft could not remove it (a timeout on a busy board): TCP 1723 and GRE
     *                     from the WAN still go to the LAN server, which the base firewall lets
     *                     through ({@code ct status dnat}); call again until it returns
     */
    public synchronized void remove() throws IOException {
        remove(true);
    }

    private void remove(boolean endCalls) throws IOException {
        lastEnded = new Ended(List.of(), 0, "");
        try {
            commands.run(null, "nft", "delete", "table", "ip", TABLE);
            LOG.info("alg: inbound PPTP no longer forwarded (table {} removed)", TABLE);
            if (endCalls) {
                endCalls(server);
            }
        } catch (IOException e) {
            if (!AdminCommands.notThere(e)) {
                throw e;
            }
        }
        applied = false;
        server = null;
    }

    /**
     * Removes the forwarding an earlier run left (by its table's name), for a start with no inbound
     * server set; quiet when there is none. Left alone while a passthrough ALG runs here: the
     * forward is then the {@code passthrough --inbound-server} command's, in a table of the same
     * name. Not for a caller that runs an ALG of its own ({@link #remove} then).
     *
     * @param netns the router's namespace (tests), or null for our own
     * @throws IOException as {@link #remove}
     */
    public static void removeLeftover(String netns) throws IOException {
        removeLeftover(netns, new AdminCommands(netns));
    }

    static void removeLeftover(String netns, AdminCommands commands) throws IOException {
        PassthroughAlg.unlessAnAlgRuns(netns, "its inbound PPTP forward (table " + TABLE + ") is left alone",
                () -> new InboundPptpForward(netns, commands).remove());
    }

    /**
     * {@link #remove}, saying in the log when the forwarding stayed, but leaving the calls that came
     * in through it up: at the service's stop, which may be a restart (an upgrade, the watchdog)
     * after which the same forward is back and their conntrack entries carry them on as before.
     */
    @Override
    public synchronized void close() {
        if (!applied) {
            return;
        }
        try {
            remove(false);
        } catch (IOException e) {
            LOG.error("alg: inbound PPTP is still forwarded: table {} could not be removed: {}", TABLE, e.getMessage());
        }
    }
}
