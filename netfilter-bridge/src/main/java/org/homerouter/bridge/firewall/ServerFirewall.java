package org.homerouter.bridge.firewall;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel policy of the VPN server's data plane, as one nftables table that is replaced
 * atomically ({@code nft -f} applies a whole file in one transaction) and deleted at shutdown:
 * <ul>
 *   <li>IP forwarding on, so session traffic reaches the LAN (the pool is a routed subnet: the
 *       router is the LAN's default gateway, so no proxy ARP is needed);</li>
 *   <li>TCP MSS clamped to the route MTU on the tunnel devices, so TCP through a 1400-octet
 *       tunnel never depends on ICMP "fragmentation needed" getting through;</li>
 *   <li>traffic from one session's device to another's dropped: dial-in users reach the LAN,
 *       not each other;</li>
 *   <li>a packet from a session device whose source address is not routed back into that device
 *       dropped: a client cannot pose as another client, the LAN or anyone else;</li>
 *   <li>each session device's new connections, to the router and through it, held to a share of
 *       the kernel's connection table ({@link #DEFAULT_SESSION_SHARE}; a branch office's session,
 *       {@link #branchShare}, to a larger one), and all sessions' together to half of it.</li>
 * </ul>
 */
public final class ServerFirewall implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerFirewall.class);
    public static final String TABLE = "homerouter_pptp";
    /**
     * The connections (conntrack entries) one session's device may open, to or through the router.
     * One authenticated client opening ~33,000 (an established TCP entry lasts 5 days) filled the
     * kernel's table, and then every new connection failed for everyone: the LAN's, new VPN
     * logins', the admin page's, so the owner could not even reach the page to disconnect it. Per
     * device, not per address: a branch office's many addresses arrive on one. Fair only because
     * an ended session's entries are deleted at its end (FlowSweep): the kernel gives the next
     * session the lowest free pptpN, and before, the leftovers of the previous user (a torrent's
     * thousands) counted against whoever got the device name next, for days.
     */
    public static final int DEFAULT_SESSION_SHARE = 2048;
    /**
     * The connections a branch office's session device may open ({@link #branchShare}): its whole
     * LAN arrives on that one device. At ~100 connections a busy PC holds (browser tabs, mail, sync
     * and update clients, each with long-lived ones), 2,048 made an office of more than ~20 PCs
     * fail at random; 8,192 (4 sessions' shares) serves ~80, a small office behind one line. Not
     * 8 shares: that is all sessions' part on the image (16,384), and one branch could then take it
     * all; at most half of that part ({@link #apply} caps it on a smaller table), so dial-in users
     * keep the other half whatever a branch does.
     */
    public static final int DEFAULT_BRANCH_SHARE = 4 * DEFAULT_SESSION_SHARE;
    /** Where the kernel says how many connections its table holds, when conntrack is loaded. */
    static final Path CONNTRACK_MAX = Path.of("/proc/sys/net/netfilter/nf_conntrack_max");
    /** Assumed when {@link #CONNTRACK_MAX} cannot be read: the image's table (etc/modprobe.d) holds 32,768. */
    static final int ASSUMED_CONNTRACK_MAX = 32768;

    private final String devicePattern;
    private final List<String> clampedToo;
    private final AdminCommands commands;
    private final int sessionShare;
    /** A branch office's session's, before {@link #apply} caps it at half of {@link #allSessions}. */
    private final int branchShare;
    /** All sessions' connections together; 0: half of {@link #CONNTRACK_MAX}, read at each apply. */
    private final int allSessions;
    private boolean applied;

    /**
     * @param devicePattern the session devices' name pattern, e.g. "pptp*"
     * @param netns         run nft inside this network namespace (tests), or null for our own
     */
    public ServerFirewall(String devicePattern, String netns) {
        this(devicePattern, List.of(), netns);
    }

    /**
     * @param clampedToo other tunnel devices whose TCP MSS is clamped too but which are not
     *                   isolated, e.g. the site-to-site dial-out's "ppp*": LAN hosts send 1460-octet
     *                   segments that only fit its smaller MTU if they are told so in the SYN
     */
    public ServerFirewall(String devicePattern, List<String> clampedToo, String netns) {
        this(devicePattern, clampedToo, netns, DEFAULT_SESSION_SHARE, DEFAULT_BRANCH_SHARE, 0);
    }

    /**
     * @param sessionShare the new connections each session device may hold ({@link #DEFAULT_SESSION_SHARE})
     * @param allSessions  those all sessions together may hold; 0 for half the kernel's table
     */
    public ServerFirewall(String devicePattern, List<String> clampedToo, String netns, int sessionShare,
                          int allSessions) {
        // Four sessions' shares, as DEFAULT_BRANCH_SHARE is.
        this(devicePattern, clampedToo, netns, sessionShare, 4 * sessionShare, allSessions);
    }

    /**
     * @param branchShare those a branch office's session device may hold ({@link #DEFAULT_BRANCH_SHARE}),
     *                    at most half of what all may hold, and no fewer than {@code sessionShare}
     */
    public ServerFirewall(String devicePattern, List<String> clampedToo, String netns, int sessionShare,
                          int branchShare, int allSessions) {
        if (sessionShare < 1 || branchShare < sessionShare || allSessions < 0) {
            throw new IllegalArgumentException("connection shares " + sessionShare + ", " + branchShare + ", "
                    + allSessions);
        }
        this.devicePattern = devicePattern;
        this.clampedToo = List.copyOf(clampedToo);
        this.commands = new AdminCommands(netns);
        this.sessionShare = sessionShare;
        this.branchShare = branchShare;
        this.allSessions = allSessions;
    }

    /** A branch office's share where all sessions may hold {@code all}: half of that at most, a session's at least. */
    int cappedBranchShare(int all) {
        return Math.max(sessionShare, Math.min(branchShare, all / 2));
    }

    /**
     * The rule set, all sessions' connections held to {@code all}, as nft reads it. Deleting and
     * re-adding the table in one file is atomic.
     */
    String ruleset(int all) {
        String dev = "\"" + devicePattern + "\"";
        List<String> lines = new ArrayList<>(List.of(
                "table inet " + TABLE + " {}",
                "delete table inet " + TABLE,
                "table inet " + TABLE + " {",
                // Strict reverse-path check on the session devices: a packet whose source is not
                // routed back through the device it came in on (the session's own address, or a
                // branch office's routed subnets) is dropped, to the LAN and to the router alike.
                // rp_filter does this only where the image's sysctl sets it; this table goes with us.
                "  chain prerouting {",
                "    type filter hook prerouting priority filter; policy accept;",
                "    iifname " + dev + " fib saddr . iif oif missing counter drop comment \"a session sends only from its own addresses\"",
                "  }",
                // The connection share (DEFAULT_SESSION_SHARE says why). Counted in base chains of
                // their own that run before every filter chain: a drop in any table's chain is
                // final, an accept ends only its own chain, so the image's firewall accepting
                // VPN clients (and pings: each echo ID is a connection of its own) cannot let a
                // new connection past the count. A connection dropped here is never confirmed in
                // the table, and ct count forgets entries the kernel no longer has (a session's,
                // deleted at its end). Keyed by the device's index, not its name: the kernel gives
                // the next session the lowest free pptpN at once, but a new index, so entries a
                // sweep kept (a branch's networks, taken by its redial) or could not delete never
                // count against another user. Only a connection's first packet (not yet confirmed
                // in the table) is counted: "new" also matches an unanswered UDP flow's later
                // packets, which some kernels' nf_conncount added to the count again. A session
                // over its share is told in the kernel's log (the journal), a few lines a minute
                // for each device: one budget for all let one heavy session hide another.
                // A branch office's device (branch_devices, by index: branchShare) counts in a set
                // of its own against its larger share; the total counts everyone's in one rule
                // (an anonymous ct count is that rule's own count).
                "  set session_connections {",
                "    type iface_index",
                "    size 65535",
                "    flags dynamic",
                "  }",
                "  set branch_devices {",
                "    type iface_index",
                "  }",
                "  set branch_connections {",
                "    type iface_index",
                "    size 65535",
                "    flags dynamic",
                "  }",
                // Each device's log budget, forgotten an hour after its first line (a dynamic set's
                // limits are never collected otherwise); a full set logs nothing more, drops the same.
                "  set over_share_log {",
                "    type iface_index",
                "    size 65535",
                "    flags dynamic,timeout",
                "    timeout 1h",
                "  }",
                "  chain over_share {",
                "    " + logOnce("a VPN session is over its share of " + sessionShare + " connections: "),
                "    counter drop comment \"a session's new connections over its share\"",
                "  }",
                "  chain over_branch_share {",
                "    " + logOnce("a branch office's VPN session is over its share of " + cappedBranchShare(all) + " connections: "),
                "    counter drop comment \"a branch office's new connections over its share\"",
                "  }",
                "  chain session_new {",
                "    iif @branch_devices add @branch_connections { iif ct count over " + cappedBranchShare(all) + " } jump over_branch_share",
                "    iif != @branch_devices add @session_connections { iif ct count over " + sessionShare + " } jump over_share",
                "    ct count over " + all + " counter drop comment \"all sessions' new connections over their part of the table\"",
                "  }",
                "  chain input_share {",
                "    type filter hook input priority filter - 10; policy accept;",
                "    iifname " + dev + " ct state new ct status & confirmed == 0 jump session_new",
                "  }",
                "  chain forward_share {",
                "    type filter hook forward priority filter - 10; policy accept;",
                "    iifname " + dev + " ct state new ct status & confirmed == 0 jump session_new",
                "  }",
                "  chain forward {",
                "    type filter hook forward priority filter; policy accept;",
                "    iifname " + dev + " oifname " + dev + " counter drop comment \"sessions never reach each other\""));
        List<String> clamped = new ArrayList<>(List.of(devicePattern));
        clamped.addAll(clampedToo);
        for (String pattern : clamped) {
            lines.add("    iifname \"" + pattern + "\" tcp flags syn tcp option maxseg size set rt mtu");
            lines.add("    oifname \"" + pattern + "\" tcp flags syn tcp option maxseg size set rt mtu");
        }
        lines.addAll(List.of("  }", "}", ""));
        return String.join("\n", lines);
    }

    /**
     * A kernel log line saying {@code what}, at most 6 a minute for each device: the limit is each
     * {@code over_share_log} element's own. Counted, as a namespace's log lines reach no log the
     * tests can read (nf_log_all_netns).
     */
    private static String logOnce(String what) {
        return "add @over_share_log { iif limit rate 6/minute burst 1 packets } counter log prefix \"homerouter: "
                + what + "\" level warn";
    }

    /**
     * {@code device}, up now, carries a branch office's networks: its new connections count against
     * {@link #DEFAULT_BRANCH_SHARE} from now on. Returns the device's index for {@link #plainShare}
     * at the session's end, when the device (and its name) may be gone already.
     */
    public int branchShare(String device) throws IOException {
        // "3: pptp0: <POINTOPOINT,...": the index the kernel gave this device, never given to another.
        String link = commands.run(null, "ip", "-o", "link", "show", "dev", device).strip();
        int index;
        try {
            index = Integer.parseInt(link.substring(0, Math.max(0, link.indexOf(':'))));
        } catch (NumberFormatException e) {
            throw new IOException("no index for device " + device + " in '" + link + "'");
        }
        commands.run(null, "nft", "add", "element", "inet", TABLE, "branch_devices", "{ " + index + " }");
        return index;
    }

    /**
     * The device of index {@code index} ({@link #branchShare}) no longer carries a branch's networks:
     * were it kept, a plain session given that index would have the larger share (indexes are not
     * given again while the kernel has others to give, but the set must not fill up either).
     */
    public void plainShare(int index) throws IOException {
        try {
            commands.run(null, "nft", "delete", "element", "inet", TABLE, "branch_devices", "{ " + index + " }");
        } catch (IOException e) {
            if (!AdminCommands.notThere(e)) {
                throw e;
            }
        }
    }

    /** Turns forwarding on and installs the table (replacing any left by a crash). */
    public void apply() throws IOException {
        sysctl("net/ipv4/ip_forward", "1");
        int table = conntrackMax();
        int all = allSessions > 0 ? allSessions : Math.max(sessionShare, (table > 0 ? table : ASSUMED_CONNTRACK_MAX) / 2);
        commands.run(ruleset(all), "nft", "-f", "-");
        if (allSessions == 0 && table <= 0 && conntrackMax() > 0) {
            // Conntrack was not loaded before: the table's ct rules loaded it, and now it says its size.
            table = conntrackMax();
            all = Math.max(sessionShare, table / 2);
            commands.run(ruleset(all), "nft", "-f", "-");
        }
        applied = true;
        LOG.info("firewall: forwarding on, MSS clamped on {} devices, sessions isolated from each other"
                        + " and held to their own addresses, each to {} new connections (a branch office's to {})"
                        + " and all to {}{}",
                clampedToo.isEmpty() ? devicePattern : devicePattern + " and " + String.join(", ", clampedToo),
                sessionShare, cappedBranchShare(all), all, allSessions > 0 ? "" : table > 0 ? " (half the kernel's table of " + table + ")"
                        : " (the kernel's table size unread: " + CONNTRACK_MAX + ")");
    }

    /** The kernel's connection table size, or 0 when unknown (conntrack not loaded). */
    private static int conntrackMax() {
        try {
            // Not Files.readString: on this kernel's sysctl files (size 0) it read the first digit only.
            return Math.max(0, Integer.parseInt(Files.readAllLines(CONNTRACK_MAX).getFirst().trim()));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Removes the table; forwarding stays as it is (other services of the router may need it). */
    @Override
    public void close() {
        if (!applied) {
            return;
        }
        try {
            commands.run(null, "nft", "delete", "table", "inet", TABLE);
            applied = false;
        } catch (IOException e) {
            LOG.warn("firewall: could not remove table {}: {}", TABLE, e.getMessage());
        }
    }

    private void sysctl(String key, String value) throws IOException {
        if (!commands.inOtherNamespace()) {
            Files.writeString(Path.of("/proc/sys", key), value);
        } else {
            commands.run(null, "sysctl", "-q", "-w", key.replace('/', '.') + "=" + value);
        }
    }
}
