package org.homerouter.bridge.route;

import java.io.IOException;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps forwarded traffic off the router's own default route while a site-to-site tunnel is meant
 * to carry "everything else". That tunnel's two halves (0.0.0.0/1, 128.0.0.0/1) belong to its
 * device and go with it; without this, while the tunnel is down (before it first comes up,
 * between redials, while the office cannot be reached) the LAN's and the VPN clients' traffic
 * followed the router's default route out of the WAN, unencrypted, where the owner had asked for
 * all of it to go through the office.
 *
 * <p>Two policy rules per family, for packets the router forwards only ({@code not iif lo}: the
 * router's own traffic, its dials to the server and its DNS lookups among them, is untouched):
 * the main table without its default route ({@code suppress_prefixlength 0}, as wg-quick does),
 * so the tunnel's halves while it is up, the server's pinned host route and every connected
 * network (the LAN, the WAN's own subnet with its modem) still apply; then {@code unreachable},
 * so the sender hears "network unreachable" at once instead of waiting. IPv6 too: PPTP carries
 * IPv4 only (IPCP), so a LAN host's IPv6 would otherwise reach the internet around the office.
 *
 * <p>Like {@link FailClosedRoutes} the rules outlive the service on purpose (a restart must not
 * open the window either); the next start finds them in the kernel and keeps or removes them.
 */
public final class DefaultRouteFailClosed {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultRouteFailClosed.class);
    /** Our rules' preferences: before the main table's (32766), the same number as our routes' metric. */
    static final String MAIN_WITHOUT_DEFAULT = FailClosedRoutes.METRIC;
    static final String UNREACHABLE = "4243";
    private static final String[] FAMILIES = {"-4", "-6"};
    private static final String[] MAIN_RULE =
            {"not", "iif", "lo", "lookup", "main", "suppress_prefixlength", "0", "pref", MAIN_WITHOUT_DEFAULT};
    private static final String[] UNREACHABLE_RULE = {"not", "iif", "lo", "unreachable", "pref", UNREACHABLE};
    /** How {@code ip rule show} prints them. */
    private static final String SHOWN_MAIN = "not from all iif lo lookup main suppress_prefixlength 0";
    private static final String SHOWN_UNREACHABLE = "not from all iif lo unreachable";

    private final AdminCommands ip;

    /** @param netns run in this namespace ({@code ip netns exec}), or null for our own */
    public DefaultRouteFailClosed(String netns) {
        ip = new AdminCommands(netns);
    }

    /**
     * Puts the rules in ({@code on}) or takes them out, whatever an earlier run left: off removes
     * whatever of ours is there (half a pair a killed run or a failed add left included, which alone
     * would let nothing forwarded out at all). A kernel without IPv6 has only IPv4's.
     *
     * @throws IOException when a family's rules could not be put in (the other's are done)
     */
    public synchronized void keep(boolean on) throws IOException {
        IOException failed = null;
        for (String family : FAMILIES) {
            try {
                if (on && !present(family)) {
                    add(family);
                    LOG.info("IPv{}: forwarded traffic leaves only through the site-to-site tunnel: none by"
                            + " the default route while it is down", family.substring(1));
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
        if (failed != null) {
            throw failed;
        }
    }

    /** Whether forwarded IPv4 is held off the default route now (our unreachable rule is in), as the kernel says. */
    public synchronized boolean holding() throws IOException {
        return ip.run(null, "ip", "-4", "rule", "show", "pref", UNREACHABLE).contains(SHOWN_UNREACHABLE);
    }

    private boolean present(String family) throws IOException {
        return ip.run(null, "ip", family, "rule", "show", "pref", MAIN_WITHOUT_DEFAULT).contains(SHOWN_MAIN)
                && ip.run(null, "ip", family, "rule", "show", "pref", UNREACHABLE).contains(SHOWN_UNREACHABLE);
    }

    private void add(String family) throws IOException {
        remove(family); // half of a pair a killed run left
        // The main table's rule first: alone it changes nothing, where the unreachable rule alone
        // would let nothing forwarded out at all, through the tunnel neither, if the second failed.
        ip.run(null, command(family, "add", MAIN_RULE));
        ip.run(null, command(family, "add", UNREACHABLE_RULE));
    }

    /**
     * Ours only, by their whole selector: an administrator's rule at the same preference stays. The
     * unreachable rule first, so that it is never left alone.
     *
     * @return how many rules went
     */
    private int remove(String family) {
        int removed = 0;
        for (String[] rule : new String[][] {UNREACHABLE_RULE, MAIN_RULE}) {
            for (int i = 0; i < 8; i++) { // a killed run's, twice perhaps
                try {
                    ip.run(null, command(family, "del", rule));
                    removed++;
                } catch (IOException noMore) {
                    break;
                }
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
