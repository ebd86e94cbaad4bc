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
 * is ours: while the tunnel is up, a DNAT to the DNS server the office offered in IPCP (RFC 1877),
 * so the queries cross the tunnel as forwarded traffic; while it is down, a drop, as the rest of
 * the LAN's traffic is held ({@code DefaultRouteFailClosed}); empty (the router's own resolver)
 * when the tunnel carries only the office's networks, or when the office offered no DNS server
 * that the tunnel reaches. Where the chain does not exist (a development machine) this does nothing.
 *
 * <p>Like the held routes, the drop outlives the service (a restart must not let the LAN's names
 * out in clear either), and the image's {@code homerouter-hold} puts it in at boot.
 */
public final class LanDns implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LanDns.class);
    /** The base firewall's chain, as the image's nftables.conf defines it. */
    public static final String CHAIN = "inet homerouter lan_dns";

    private final AdminCommands commands;
    private final boolean present;
    /** The owner's intent: everything through the tunnel. */
    private boolean held;
    private boolean tunnelUp;
    /** The office's DNS server the tunnel reaches, while it is up; null if none. */
    private Inet4Address officeDns;
    /** The chain's contents as last written; null before the first write (whatever is there is replaced). */
    private String current;

    private LanDns(AdminCommands commands, boolean present) {
        this.commands = commands;
        this.present = present;
    }

    /** @param netns the namespace whose base firewall to fill (tests), or null for our own */
    public static LanDns find(String netns) {
        AdminCommands commands = new AdminCommands(netns);
        boolean present;
        try {
            commands.run("list chain " + CHAIN + "\n", "nft", "-f", "-");
            present = true;
        } catch (IOException e) {
            present = false;
            LOG.info("no base firewall chain {}: the LAN's DNS is this host's own resolver's business", CHAIN);
        }
        return new LanDns(commands, present);
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
     * The tunnel is up and carries everything else: the LAN's queries go to {@code offered} (the
     * office's primary DNS server, or its secondary), if the kernel routes it into {@code device}.
     * One the router would reach another way (an address of its WAN's own subnet, the office's
     * public address pinned to the WAN) would take the queries out of the WAN in clear: then the
     * router's own resolver answers, as it would with no DNS server offered, and the log says so.
     *
     * @param offered the office's DNS server, or null when it offered none
     */
    public synchronized void tunnelUp(Inet4Address offered, String device) throws IOException {
        tunnelUp = true;
        officeDns = null;
        if (offered != null && present) {
            String route = commands.run(null, "ip", "-4", "route", "get", offered.getHostAddress());
            if (route.matches("(?s).*\\bdev " + java.util.regex.Pattern.quote(device) + "\\b.*")) {
                officeDns = offered;
            } else {
                LOG.warn("the office's DNS server {} is not reached through the tunnel ({}): the LAN's names are"
                        + " looked up by this router's own DNS servers", offered.getHostAddress(), route.strip());
            }
        }
        write();
    }

    /** The tunnel is down: the LAN's queries are held with the rest of its traffic. */
    public synchronized void tunnelDown() throws IOException {
        tunnelUp = false;
        officeDns = null;
        write();
    }

    /** The office's DNS server the LAN's queries go to now, or null (held, the router's own, or not ours to set). */
    public synchronized Inet4Address officeDns() {
        return present && held && tunnelUp ? officeDns : null;
    }

    /** The chain's contents for the state: flushed and refilled in one nft transaction. */
    static String rules(boolean held, boolean tunnelUp, Inet4Address officeDns) {
        StringBuilder b = new StringBuilder("flush chain " + CHAIN + "\n");
        if (held && tunnelUp && officeDns != null) {
            b.append("add rule ").append(CHAIN).append(" meta nfproto ipv4 dnat ip to ")
                    .append(officeDns.getHostAddress()).append(" comment \"LAN DNS through the tunnel\"\n");
        }
        if (held && (!tunnelUp || officeDns != null)) {
            // IPv6 too (PPTP carries IPv4 only): nothing of the LAN's DNS leaves another way.
            b.append("add rule ").append(CHAIN).append(" drop comment \"LAN DNS held while the tunnel is down\"\n");
        }
        return b.toString();
    }

    private void write() throws IOException {
        String script = rules(held, tunnelUp, officeDns);
        if (!present || script.equals(current)) {
            return;
        }
        commands.run(script, "nft", "-f", "-");
        current = script;
        LOG.info("the LAN's DNS queries to this router: {}", !held ? "answered by its own resolver"
                : !tunnelUp ? "dropped while the site-to-site tunnel is down"
                : officeDns != null ? "sent to the office's DNS server " + officeDns.getHostAddress() + " through the tunnel"
                : "answered by its own resolver (no office DNS server the tunnel reaches)");
    }

    /**
     * The service stops: the queries stay held if the owner wants everything through the tunnel
     * (the tunnel goes with the service), else the chain is emptied.
     */
    @Override
    public synchronized void close() {
        try {
            tunnelUp = false;
            officeDns = null;
            write();
        } catch (IOException e) {
            LOG.warn("could not set {} for the service's stop: {}", CHAIN, e.getMessage());
        }
    }
}
