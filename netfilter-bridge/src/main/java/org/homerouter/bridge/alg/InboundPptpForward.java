package org.homerouter.bridge.alg;

import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
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
 */
public final class InboundPptpForward implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InboundPptpForward.class);
    public static final String TABLE = "homerouter_pptp_in";
    private static final Pattern DEV = Pattern.compile("\\bdev (\\S+)");
    /** The set of servers whose GRE is the router's own (the dial-out's). */
    static final String ROUTER_GRE = "router_gre";

    private final AdminCommands commands;
    private boolean applied;

    /** @param netns run inside this namespace (tests), or null for our own */
    public InboundPptpForward(String netns) {
        this(new AdminCommands(netns));
    }

    InboundPptpForward(AdminCommands commands) {
        this.commands = commands;
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
        applied = true;
        LOG.info("alg: inbound PPTP (TCP 1723 + GRE) forwarded to {} on {}", server.getHostAddress(), m.group(1));
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
     * when there is none.
     *
     * @throws IOException when nft could not remove it (a timeout on a busy board): TCP 1723 and GRE
     *                     from the WAN still go to the LAN server, which the base firewall lets
     *                     through ({@code ct status dnat}); call again until it returns
     */
    public synchronized void remove() throws IOException {
        try {
            commands.run(null, "nft", "delete", "table", "ip", TABLE);
            LOG.info("alg: inbound PPTP no longer forwarded (table {} removed)", TABLE);
        } catch (IOException e) {
            if (!AdminCommands.notThere(e)) {
                throw e;
            }
        }
        applied = false;
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
                () -> new InboundPptpForward(commands).remove());
    }

    /** {@link #remove}, saying in the log when the forwarding stayed. */
    @Override
    public synchronized void close() {
        if (!applied) {
            return;
        }
        try {
            remove();
        } catch (IOException e) {
            LOG.error("alg: inbound PPTP is still forwarded: table {} could not be removed: {}", TABLE, e.getMessage());
        }
    }
}
