package org.homerouter.bridge.firewall;

import java.io.IOException;
import java.net.Inet4Address;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the LAN's DNS queries to the router go while a site-to-site tunnel is to carry
 * "everything else". The LAN asks the router (its DHCP names the router as DNS server), and the
 * router's resolver (systemd-resolved on the image) asks the WAN's DNS servers: with every other
 * packet of the LAN in the tunnel, the names its hosts looked up still left by the WAN, to the
 * ISP's servers or the modem, and went on doing so while the tunnel was down and the rest was held.
 *
 * <p>The router image's base firewall sends DNS addressed to the router by the LAN and the VPN
 * clients (UDP and TCP port 53) from its nat prerouting chain to the chain {@link #CHAIN}, which
 * is ours: while the tunnel is up, a DNAT to a DNS server the tunnel reaches (the one the office
 * offered in IPCP, RFC 1877, else one of the router's own), so the queries cross the tunnel as
 * forwarded traffic; while it is down, or with no such server, a drop, as the rest of the LAN's
 * traffic is held ({@code DefaultRouteFailClosed}); empty when the tunnel carries only the
 * office's networks. The nat chain sees only a flow's first packet: a LAN host that kept one
 * source port since before the hold (a forwarder, a TCP connection) would go on reaching the
 * router's resolver, so the base firewall's input chain jumps to {@link #INPUT_CHAIN}, a drop
 * while held (what the DNAT takes never reaches input). Where the chains do not exist (a
 * development machine) this does nothing.
 *
 * <p>Like the held routes, the drops outlive the service (a restart must not let the LAN's names
 * out in clear either), and the image's {@code homerouter-hold} puts them in at boot.
 */
public final class LanDns implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LanDns.class);
    /** The base firewall's chain, as the image's nftables.conf defines it. */
    public static final String CHAIN = "inet homerouter lan_dns";
    /** The base firewall's chain for what reaches the router's own resolver anyway. */
    public static final String INPUT_CHAIN = "inet homerouter lan_dns_input";

    private final AdminCommands commands;
    private final BaseChains chains;
    /** The owner's intent: everything through the tunnel. */
    private boolean held;
    private boolean tunnelUp;
    /** Where the LAN's queries go while the tunnel is up: a DNS server it reaches; null if none. */
    private Inet4Address server;
    /** The tunnel whose DNS server is still to be found ({@link #tunnelUp}), or null. */
    private Pending pending;

    private record Pending(java.util.List<Inet4Address> candidates, String device) {
    }
    /** The chain's contents as last written; null before the first write (whatever is there is replaced). */
    private String current;
    /**
     * Whether the state recorded here is not in the chains: its last write failed (nft or ip timed
     * out). The dial-out's own calls ({@link #tunnelUp}, {@link #tunnelDown}) are not tried again by
     * anyone else, so the appliance's housekeeping writes it again while this is set. Lock-free.
     */
    private volatile boolean unwritten;

    private LanDns(AdminCommands commands) {
        this.commands = commands;
        this.chains = new BaseChains(commands, "the LAN's DNS is this host's own resolver's business", CHAIN, INPUT_CHAIN);
    }

    /** @param netns the namespace whose base firewall to fill (tests), or null for our own */
    public static LanDns find(String netns) {
        return find(new AdminCommands(netns));
    }

    /** As {@link #find(String)}, with nft run by {@code commands} (tests: a busy board's, failing). */
    public static LanDns find(AdminCommands commands) {
        LanDns dns = new LanDns(commands);
        dns.chains.find();
        return dns;
    }

    /** Whether the base firewall's chains are known to be there to fill. */
    public boolean present() {
        return chains.knownThere();
    }

    /**
     * Whether the LAN's DNS goes only through the site-to-site tunnel (its default route is on):
     * the owner's setting, whether or not the tunnel is up.
     */
    public synchronized void hold(boolean everythingThroughTunnel) throws IOException {
        held = everythingThroughTunnel;
        write();
    }

    /**
     * The tunnel is up and carries everything else: the LAN's queries go to the first of {@code
     * candidates} (the office's DNS servers, then the router's own) that the kernel routes into
     * {@code device}. One it would reach another way (an address of the WAN's own subnet, such as
     * the modem's; the office's public address, pinned to the WAN) would take the queries out of the
     * WAN in clear; with none left they are dropped, and the LAN gets no names (the log says why).
     */
    public synchronized void tunnelUp(java.util.List<Inet4Address> candidates, String device) throws IOException {
        // Recorded first, the server found by the write: should nft or ip not answer now, the next
        // write (the DNS hold's retry) finds it. Left "down", that write dropped the LAN's queries
        // while the tunnel was up, until the next redial.
        tunnelUp = true;
        server = null;
        pending = new Pending(java.util.List.copyOf(candidates), device);
        write();
    }

    /** The first of {@code candidates} the kernel routes into {@code device}, or null. */
    private Inet4Address reachedThrough(java.util.List<Inet4Address> candidates, String device) throws IOException {
        for (Inet4Address c : candidates) {
            String route = commands.run(null, "ip", "-4", "route", "get", c.getHostAddress());
            if (route.matches("(?s).*\\bdev " + java.util.regex.Pattern.quote(device) + "\\b.*")) {
                return c;
            }
            LOG.info("DNS server {} is not reached through the tunnel: {}", c.getHostAddress(), route.strip());
        }
        LOG.warn("no DNS server of {} is reached through the site-to-site tunnel: the LAN's DNS queries to"
                + " this router are dropped while everything goes through it", candidates);
        return null;
    }

    /** The tunnel is down: the LAN's queries are held with the rest of its traffic. */
    public synchronized void tunnelDown() throws IOException {
        pending = null;
        tunnelUp = false;
        server = null;
        write();
    }

    /**
     * Where the LAN's queries go while the tunnel is up (told by {@link #tunnelUp}), or null: none
     * of the candidates reached through the tunnel, the tunnel down, or no chain to fill.
     */
    public synchronized Inet4Address server() {
        return chains.knownThere() && tunnelUp ? server : null;
    }

    /** The chains' contents for the state: flushed and refilled in one nft transaction. */
    static String rules(boolean held, boolean tunnelUp, Inet4Address server) {
        StringBuilder b = new StringBuilder("flush chain " + CHAIN + "\nflush chain " + INPUT_CHAIN + "\n");
        if (!held) {
            return b.toString();
        }
        if (tunnelUp && server != null) {
            b.append("add rule ").append(CHAIN).append(" meta nfproto ipv4 dnat ip to ")
                    .append(server.getHostAddress()).append(" comment \"LAN DNS through the tunnel\"\n");
        }
        // What the DNAT does not take (IPv6, which PPTP does not carry; everything while the tunnel
        // is down or reaches no DNS server) is dropped, here and for flows older than the hold.
        b.append("add rule ").append(CHAIN).append(" drop comment \"LAN DNS held\"\n");
        b.append("add rule ").append(INPUT_CHAIN).append(" drop comment \"LAN DNS held\"\n");
        return b.toString();
    }

    private void write() throws IOException {
        try {
            writeNow();
            unwritten = false;
        } catch (IOException | RuntimeException e) {
            unwritten = true;
            throw e;
        }
    }

    /** Whether the last write failed: {@link #hold} writes the state as it is now. Lock-free. */
    public boolean unwritten() {
        return unwritten;
    }

    private void writeNow() throws IOException {
        if (!chains.there()) {
            return;
        }
        if (pending != null) {
            server = reachedThrough(pending.candidates(), pending.device());
            pending = null;
        }
        String script = rules(held, tunnelUp, server);
        if (script.equals(current)) {
            return;
        }
        commands.run(script, "nft", "-f", "-");
        current = script;
        LOG.info("the LAN's DNS queries to this router: {}", way());
    }

    /** Where the LAN's DNS queries to this router go, as recorded, in the owner's words. */
    public synchronized String way() {
        return !held ? "answered by its own resolver"
                : !tunnelUp ? "dropped while the site-to-site tunnel is down"
                : server != null ? "sent to the DNS server " + server.getHostAddress() + " through the tunnel"
                : "dropped (no DNS server is reached through the tunnel)";
    }

    /**
     * The service stops: the queries stay held if the owner wants everything through the tunnel
     * (the tunnel goes with the service), else the chain is emptied.
     */
    @Override
    public synchronized void close() {
        try {
            tunnelDown();
        } catch (IOException e) {
            LOG.warn("could not set {} for the service's stop: {}", CHAIN, e.getMessage());
        }
    }
}
