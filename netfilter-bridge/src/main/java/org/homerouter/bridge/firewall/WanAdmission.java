package org.homerouter.bridge.firewall;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the router's base firewall admits from the WAN for PPTP, kept in step with what runs. The
 * router image's {@code /etc/nftables.conf} drops everything from the WAN but what its chain
 * {@code inet homerouter wan_pptp} accepts, and leaves that chain to us: the control port the VPN
 * server listens on and GRE while it runs (RFC 2637 §1: TCP for control, enhanced GRE for data),
 * and GRE from the site-to-site server while only the dial-out runs. Without a conntrack helper
 * the kernel keys PPTP GRE by call ID and never matches a server's GRE to the dial-out's as a
 * reply, so it must be admitted by address. Its set {@code inet homerouter vpn_clients} is ours
 * too: the VPN server's tunnel network, whose clients the forward chain lets into the site-to-site
 * tunnel, and not the LANs of branch offices behind their accounts, which arrive on the same devices.
 *
 * <p>Filled here rather than by a boot script, because the listener moves when the VPN page
 * changes its port or switches the server on or off, and the dial-out's server changes with its page.
 * Where the chain does not exist (a development machine, a host with a firewall of its own) this
 * does nothing: the host's own firewall is its administrator's.
 */
public final class WanAdmission implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WanAdmission.class);
    /** The base firewall's chain, as the image's nftables.conf defines it. */
    public static final String CHAIN = "inet homerouter wan_pptp";
    /** The base firewall's set of the VPN server's client addresses, as the image's nftables.conf defines it. */
    public static final String VPN_CLIENTS = "inet homerouter vpn_clients";

    private final AdminCommands commands;
    private final BaseChains chain;
    private String current = "";
    private String currentClients = "";

    private WanAdmission(AdminCommands commands) {
        this.commands = commands;
        this.chain = new BaseChains(commands, "what the WAN may reach is this host's own firewall's business", CHAIN);
    }

    /** @param netns the namespace whose base firewall to fill (tests), or null for our own */
    public static WanAdmission find(String netns) {
        return find(new AdminCommands(netns));
    }

    /** As {@link #find(String)}, with nft run by {@code commands} (tests: a busy board's). */
    public static WanAdmission find(AdminCommands commands) {
        WanAdmission w = new WanAdmission(commands);
        w.chain.find();
        return w;
    }

    /** Whether the base firewall's chain is known to be there to fill. */
    public boolean present() {
        return chain.knownThere();
    }

    /**
     * Admits exactly this from the WAN, replacing what was admitted before in one nft transaction.
     *
     * @param pptpServer    where the VPN server listens, or null when it does not; one address
     *                      rather than all of them admits only what is sent to that address
     * @param dialOutServer the site-to-site dial-out's server, or null when it is off
     */
    public synchronized void admit(InetSocketAddress pptpServer, Inet4Address dialOutServer) throws IOException {
        String rules = rules(pptpServer, dialOutServer);
        if (rules.equals(current) || !chain.there()) {
            return;
        }
        commands.run(rules, "nft", "-f", "-");
        current = rules;
        LOG.info("WAN admits: {}", describe(pptpServer, dialOutServer));
    }

    /**
     * Names the VPN server's clients for the forward chain: its tunnel network (e.g.
     * {@code 192.168.250.0/24}), or null while the server does not run.
     */
    public synchronized void vpnClients(String tunnelNetwork) throws IOException {
        String script = "flush set " + VPN_CLIENTS + "\n"
                + (tunnelNetwork == null ? "" : "add element " + VPN_CLIENTS + " { " + tunnelNetwork + " }\n");
        if (script.equals(currentClients) || !chain.there()) {
            return;
        }
        commands.run(script, "nft", "-f", "-");
        currentClients = script;
        LOG.info("VPN clients who may use the site-to-site tunnel: {}", tunnelNetwork == null ? "none" : tunnelNetwork);
    }

    /** The chain's new contents as an nft script: flushed and refilled, atomically. */
    static String rules(InetSocketAddress pptpServer, Inet4Address dialOutServer) {
        List<String> lines = new ArrayList<>(List.of("flush chain " + CHAIN));
        if (pptpServer != null) {
            // A server on one address (a LAN address, say) is reached only there: nothing to
            // admit from the WAN for another. On every address, IPv4's only: the chain is in an
            // inet table, where a bare port rule admits IPv6 too, and PPTP here runs over IPv4
            // (the listener closes IPv6 connections; GRE over IPv6 reaches nothing).
            String to = pptpServer.getAddress().isAnyLocalAddress() ? "meta nfproto ipv4 "
                    : "ip daddr " + pptpServer.getAddress().getHostAddress() + " ";
            lines.add("add rule " + CHAIN + " " + to + "tcp dport " + pptpServer.getPort() + " accept comment \"PPTP control\"");
            lines.add("add rule " + CHAIN + " " + to + "meta l4proto gre accept comment \"PPTP data\"");
        }
        if (dialOutGreOfItsOwn(pptpServer, dialOutServer)) {
            lines.add("add rule " + CHAIN + " ip saddr " + dialOutServer.getHostAddress()
                    + " meta l4proto gre accept comment \"site-to-site data\"");
        }
        return String.join("\n", lines) + "\n";
    }

    /**
     * Whether the dial-out's server needs a GRE rule of its own: the server's rule admits all GRE
     * only where it listens on every address; on one address (the LAN's, say) only GRE sent there,
     * while the dial-out's comes to the WAN's.
     */
    private static boolean dialOutGreOfItsOwn(InetSocketAddress pptpServer, Inet4Address dialOutServer) {
        return dialOutServer != null && (pptpServer == null || !pptpServer.getAddress().isAnyLocalAddress());
    }

    private static String describe(InetSocketAddress pptpServer, Inet4Address dialOutServer) {
        List<String> what = new ArrayList<>(2);
        if (pptpServer != null) {
            what.add("PPTP (TCP " + pptpServer.getPort() + ", GRE)" + (pptpServer.getAddress().isAnyLocalAddress() ? ""
                    : " to " + pptpServer.getAddress().getHostAddress()));
        }
        if (dialOutGreOfItsOwn(pptpServer, dialOutServer)) {
            what.add("GRE from the site-to-site server " + dialOutServer.getHostAddress());
        }
        return what.isEmpty() ? "no PPTP" : String.join(" and ", what);
    }

    /** Admits nothing any more, and names no VPN client: the service is stopping. */
    @Override
    public synchronized void close() {
        if (current.isEmpty() && currentClients.isEmpty() || !chain.knownThere()) {
            return;
        }
        try {
            commands.run("flush chain " + CHAIN + "\nflush set " + VPN_CLIENTS + "\n", "nft", "-f", "-");
            current = "";
            currentClients = "";
            LOG.info("WAN admits: no PPTP");
        } catch (IOException e) {
            LOG.warn("could not empty {} and {}: {}", CHAIN, VPN_CLIENTS, e.getMessage());
        }
    }
}
