package org.homerouter.bridge.route;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy rules of the site-to-site tunnel's "everything else": the tunnel's default route
 * lives in a table of its own ({@link #TABLE}, see {@link EverythingElseRoute}), which these
 * rules consult after the main table without its default route, and forwarded traffic is held
 * off the router's own default route while the tunnel is down. Before, the tunnel's route was two
 * halves (0.0.0.0/1, 128.0.0.0/1) in the main table, and with them the router's VPN server
 * answered remote workers on the internet into the office's tunnel, and strict reverse-path
 * filtering dropped their calls: a worker could not connect while the tunnel was up.
 *
 * <p>IPv4, in this order:
 * <ol>
 * <li>the router's own VPN server's traffic, its TCP port and GRE ({@code iif lo}: sent by the
 * router), takes the main table: its answers go back the way the worker came. The kernel's
 * reverse-path check of an arriving packet is a lookup from {@code lo} with the ports swapped, so
 * the same two rules make it find the WAN, not the tunnel, for a worker's SYN and GRE; it sees
 * the protocol and ports only while some rule without {@code iif lo} asks for them (the kernel
 * leaves them out otherwise), hence a third rule that matches GRE and does nothing ({@code nop}).
 * Only while the VPN server runs;</li>
 * <li>the main table without its default route ({@code suppress_prefixlength 0}, as wg-quick
 * does): every connected network (the LAN, the WAN's own subnet with its modem) and the remote
 * networks' routes beat the tunnel;</li>
 * <li>the tunnel's table: its default route while it is up, nothing while it is down;</li>
 * <li>{@code unreachable} for forwarded packets ({@code not iif lo}): while the tunnel is down
 * the LAN's and the VPN clients' traffic hears "network unreachable" at once instead of leaving
 * by the WAN unencrypted, where the owner asked for all of it to go through the office. The
 * router's own traffic (its DNS lookups, say) goes on to the main table's default route.</li>
 * </ol>
 * The tunnel's own packets to its server are kept off the tunnel by {@link HostRoutePin}'s rules,
 * before these (4235, 4236).
 *
 * <p>IPv6 only holds forwarded traffic (a PPTP tunnel carries IPv4 only, IPCP): the main table
 * without its default route for forwarded packets, then {@code unreachable}; a LAN host's IPv6
 * would otherwise reach the internet around the office.
 *
 * <p>Like {@link FailClosedRoutes} the rules outlive the service on purpose (a restart must not
 * open the window either), and the router image's {@code homerouter-hold} puts all but the VPN
 * server's in at boot ({@link BootHold}): the next start finds them in the kernel and keeps or
 * removes them, an earlier firmware's IPv4 rule ({@link #FORWARDED_MAIN_WITHOUT_DEFAULT}) among them.
 */
public final class DefaultRouteFailClosed {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultRouteFailClosed.class);
    /** The tunnel's own routing table: its "everything else". */
    public static final String TABLE = "4244";
    /** Our rules' preferences: before the main table's (32766), in the order above. */
    static final String OWN_GRE = "4237";
    static final String OWN_SERVER_PORT = "4238";
    static final String DISSECT = "4239";
    static final String MAIN_WITHOUT_DEFAULT = "4240";
    static final String TUNNEL = "4241";
    /** IPv6's main table without its default for forwarded traffic; IPv4's too in earlier firmware. */
    static final String FORWARDED_MAIN_WITHOUT_DEFAULT = FailClosedRoutes.METRIC;
    static final String UNREACHABLE = "4243";

    // Protocols by number: iproute2 reads names from /etc/protocols, which a minimal system may lack.
    private static final String[] OWN_GRE_RULE = {"iif", "lo", "ipproto", "47", "lookup", "main", "pref", OWN_GRE};
    /** The router's own TCP at whatever source port: to remove a rule for a port no longer the server's. */
    private static final String[] ANY_OWN_PORT_RULE = {"iif", "lo", "ipproto", "6", "lookup", "main", "pref", OWN_SERVER_PORT};
    private static final String[] DISSECT_RULE = {"ipproto", "47", "nop", "pref", DISSECT};
    private static final String[] MAIN_RULE = {"lookup", "main", "suppress_prefixlength", "0", "pref", MAIN_WITHOUT_DEFAULT};
    private static final String[] TUNNEL_RULE = {"lookup", TABLE, "pref", TUNNEL};
    private static final String[] FORWARDED_MAIN_RULE =
            {"not", "iif", "lo", "lookup", "main", "suppress_prefixlength", "0", "pref", FORWARDED_MAIN_WITHOUT_DEFAULT};
    private static final String[] UNREACHABLE_RULE = {"not", "iif", "lo", "unreachable", "pref", UNREACHABLE};
    /** How {@code ip rule show} prints the unreachable rule. */
    private static final String SHOWN_UNREACHABLE = "not from all iif lo unreachable";
    private static final Pattern SPORT = Pattern.compile("\\bsport (\\d+)\\b");

    private final AdminCommands ip;

    /** @param netns run in this namespace ({@code ip netns exec}), or null for our own */
    public DefaultRouteFailClosed(String netns) {
        this(new AdminCommands(netns));
    }

    /** Its commands run by {@code commands} (tests: a busy board's, failing). */
    public DefaultRouteFailClosed(AdminCommands commands) {
        ip = commands;
    }

    /**
     * Puts the rules in ({@code on}) or takes them out, whatever an earlier run (or the boot's
     * hold, or an earlier firmware) left: what is missing is added, what is no longer wanted
     * removed; off removes whatever of ours is there (half a set a killed run or a failed add
     * left included, whose unreachable rule alone would let nothing forwarded out at all). A
     * kernel without IPv6 has only IPv4's.
     *
     * @param vpnServerPort the TCP port the router's own VPN server listens on, empty while it is off
     * @throws IOException when a rule could not be put in (the others are done)
     */
    public synchronized void keep(boolean on, OptionalInt vpnServerPort) throws IOException {
        IOException failed = null;
        for (String family : new String[] {"-4", "-6"}) {
            try {
                if (on && add(family, vpnServerPort) > 0) {
                    LOG.info("IPv{}: forwarded traffic leaves only through the site-to-site tunnel: none by the"
                            + " default route while it is down", family.substring(1));
                } else if (!on && remove(family) > 0) {
                    LOG.info("IPv{}: forwarded traffic may take the default route again", family.substring(1));
                }
            } catch (IOException e) {
                if (family.equals("-6") && String.valueOf(e.getMessage()).contains("not supported")) {
                    continue; // IPv6 is off in this kernel: nothing to hold
                }
                failed = failed == null ? e : failed;
            }
        }
        if (on) {
            try {
                keepVpnServer(vpnServerPort);
            } catch (IOException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** Whether forwarded IPv4 is held off the default route now (our unreachable rule is in), as the kernel says. */
    public synchronized boolean holding() throws IOException {
        return ip.run(null, "ip", "-4", "rule", "show", "pref", UNREACHABLE).contains(SHOWN_UNREACHABLE);
    }

    /** @return how many rules were missing */
    private int add(String family, OptionalInt vpnServerPort) throws IOException {
        // The unreachable rule last: alone it would let nothing forwarded out at all, through the
        // tunnel neither, if an add before it failed. An earlier firmware's rule goes once the new
        // ones are in (both together do no harm).
        int added = 0;
        if (family.equals("-4")) {
            added += addOnce(family, MAIN_RULE) + addOnce(family, TUNNEL_RULE) + addOnce(family, UNREACHABLE_RULE);
            removeLeftover(family, FORWARDED_MAIN_RULE);
        } else {
            added += addOnce(family, FORWARDED_MAIN_RULE) + addOnce(family, UNREACHABLE_RULE);
        }
        return added;
    }

    /** The VPN server's rules (IPv4) for {@code port}, or none while the server is off. */
    private void keepVpnServer(OptionalInt port) throws IOException {
        String shown = ip.run(null, "ip", "-4", "rule", "show", "pref", OWN_SERVER_PORT);
        Matcher m = SPORT.matcher(shown);
        while (m.find()) {
            if (port.isEmpty() || Integer.parseInt(m.group(1)) != port.getAsInt()) {
                removeLeftover("-4", ownPortRule(m.group(1))); // the server's port before this change
            }
        }
        if (port.isEmpty()) {
            for (String[] rule : new String[][] {OWN_GRE_RULE, DISSECT_RULE}) {
                removeLeftover("-4", rule);
            }
            return;
        }
        if (addOnce("-4", OWN_GRE_RULE) + addOnce("-4", ownPortRule(Integer.toString(port.getAsInt())))
                + addOnce("-4", DISSECT_RULE) > 0) {
            LOG.info("the VPN server's port {} and GRE answer by the main table, not the site-to-site tunnel",
                    port.getAsInt());
        }
    }

    private static String[] ownPortRule(String port) {
        return new String[] {"iif", "lo", "ipproto", "6", "sport", port, "lookup", "main", "pref", OWN_SERVER_PORT};
    }

    /**
     * Adds the rule unless the kernel has it already (it refuses a second copy).
     *
     * @return 1 if it was added, 0 if it was there
     */
    private int addOnce(String family, String[] rule) throws IOException {
        try {
            ip.run(null, command(family, "add", rule));
            return 1;
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("File exists")) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * Ours only, by their whole selector: an administrator's rule at the same preference stays. The
     * unreachable rule first, so that it is never left alone.
     *
     * @return how many rules went
     */
    private int remove(String family) throws IOException {
        List<String[]> ours = new ArrayList<>(List.of(UNREACHABLE_RULE, FORWARDED_MAIN_RULE));
        if (family.equals("-4")) {
            ours.addAll(List.of(TUNNEL_RULE, MAIN_RULE, OWN_GRE_RULE, ANY_OWN_PORT_RULE, DISSECT_RULE));
        }
        int removed = 0;
        for (String[] rule : ours) {
            removed += removeAll(family, rule);
        }
        return removed;
    }

    /**
     * A rule an earlier state left (an earlier firmware's, the VPN server's old port), removed on
     * the way to holding: harmless beside the new ones, so should ip fail now it stays until the
     * next change, and the hold, which is in, is not reported as failed.
     */
    private void removeLeftover(String family, String[] rule) {
        try {
            removeAll(family, rule);
        } catch (IOException e) {
            LOG.warn("an earlier rule ({}) could not be removed now: {}", String.join(" ", rule), e.getMessage());
        }
    }

    private int removeAll(String family, String[] rule) throws IOException {
        int removed = 0;
        for (int i = 0; i < 8; i++) { // a killed run's, twice perhaps (kernels before 4.15 took copies)
            try {
                ip.run(null, command(family, "del", rule));
                removed++;
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).contains("No such file or directory")) {
                    break; // none (left): the kernel's ENOENT
                }
                // ip timed out on a busy board, say: the rule may well be in still, and "may take
                // the default route again" would be said of traffic that is still held.
                throw e;
            }
        }
        return removed;
    }

    private static String[] command(String family, String verb, String[] rule) {
        String[] c = new String[4 + rule.length];
        c[0] = "ip";
        c[1] = family;
        c[2] = "rule";
        c[3] = verb;
        System.arraycopy(rule, 0, c, 4, rule.length);
        return c;
    }
}
