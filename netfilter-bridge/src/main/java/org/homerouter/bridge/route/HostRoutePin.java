package org.homerouter.bridge.route;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a tunnel's server on the main table's routes, put in before a default route is sent into
 * that tunnel: otherwise the tunnel's own control and GRE packets would follow the new default
 * route (table {@link DefaultRouteFailClosed#TABLE}) into the tunnel itself. Two policy rules of
 * ours, before {@link DefaultRouteFailClosed}'s:
 * <ol>
 * <li>{@value #LOOKUP_MAIN}: to the server, the main table, its default route included (an
 * administrator's own host route to the server is found there first);</li>
 * <li>{@value #UNREACHABLE}: to the server, {@code unreachable}, for while the main table has no
 * route to it: then the tunnel's packets are refused at once ("network unreachable", which the
 * GRE and control connection ride out as a WAN that is down) rather than going on to the tunnel's
 * table and into the tunnel.</li>
 * </ol>
 * This used to be pptp's and pppd's trick, a host route to the server via the gateway of the
 * moment ({@code ip route replace SERVER/32 via GW dev eth0}). A route through the WAN goes with
 * the WAN's address, though: when the address is removed and put back (a DHCP renewal that does
 * so, the cable pulled and plugged in again) the kernel deletes every route through it, the pin
 * too, and while DHCP put the main table's default route back, the pin came back only with the
 * next dial; meanwhile the tunnel's own packets went into the tunnel, and it died when its
 * keepalive ran out instead of riding out the blip. A rule is not tied to an address or a
 * device, and follows whatever default route the main table has after the blip, a new lease's
 * gateway included.
 *
 * <p>If the server is reachable only through a tunnel (the main table sends it into one), pinning
 * is refused: the default route would then loop.
 */
public final class HostRoutePin implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostRoutePin.class);
    private static final Pattern DEV = Pattern.compile("\\bdev (\\S+)");
    /**
     * The routing protocol number our rules carry, to tell them from an administrator's (the kernel
     * deletes a rule only if the protocol matches too); also that of {@link FailClosedRoutes}'s
     * routes, and of the host routes earlier firmware pinned the server with.
     */
    static final String PROTO = "99";
    /** Our rules' preferences: before {@link DefaultRouteFailClosed}'s (4237-4243). */
    static final String LOOKUP_MAIN = "4235";
    static final String UNREACHABLE = "4236";

    private final AdminCommands ip;
    /** The rules, in the order they are added: the unreachable one last, never alone. */
    private final String[][] rules;
    private boolean closed;

    private HostRoutePin(AdminCommands ip, String[][] rules) {
        this.ip = ip;
        this.rules = rules;
    }

    /**
     * Keeps {@code host} on the main table's routes, whatever the path they give it now
     * ({@code ip route get} with the rules in).
     *
     * @param netns      run in this namespace ({@code ip netns exec}), or null for our own
     * @param tunnelDevice says which interfaces are tunnels: a path through one of them is refused
     * @throws IOException when there is no route to the host, or only one through a tunnel (the rules
     *                     are out again then)
     */
    public static HostRoutePin pin(String netns, Inet4Address host, Predicate<String> tunnelDevice) throws IOException {
        AdminCommands ip = new AdminCommands(netns);
        String address = host.getHostAddress();
        String to = address + "/32";
        HostRoutePin pin = new HostRoutePin(ip, new String[][] {
                {"to", to, "lookup", "main", "pref", LOOKUP_MAIN, "protocol", PROTO},
                {"to", to, "unreachable", "pref", UNREACHABLE, "protocol", PROTO}});
        // Ours, left by a run that died or a removal that failed: gone, whatever server they were
        // for (an administrator's at the same preferences stay: the protocol is part of the
        // selector). Only this server's went before, and once the dial-out's server name moved to
        // another address the old one's unreachable rule stayed for good. The unreachable first.
        removeAll(ip, new String[] {"pref", UNREACHABLE, "protocol", PROTO});
        removeAll(ip, new String[] {"pref", LOOKUP_MAIN, "protocol", PROTO});
        removeEarlierFirmwaresRoute(ip, to);
        String path;
        try {
            for (String[] rule : pin.rules) {
                ip.run(null, command("add", rule));
            }
            try {
                path = ip.run(null, "ip", "-4", "-o", "route", "get", address);
            } catch (IOException e) {
                throw new IOException("no route to the server " + address + " outside the tunnel: " + e.getMessage(), e);
            }
            Matcher dev = DEV.matcher(path);
            if (!dev.find()) {
                throw new IOException("no route to the server " + address + " outside the tunnel: " + path.strip());
            }
            if (tunnelDevice.test(dev.group(1))) {
                throw new IOException("the server " + address + " is reachable only through the tunnel " + dev.group(1)
                        + ": a default route through the tunnel would loop");
            }
        } catch (IOException | RuntimeException e) {
            pin.close();
            throw e;
        }
        LOG.info("route to the tunnel server {}: the main table's, whatever its default route (now {})", address,
                path.strip());
        return pin;
    }

    /**
     * The host route an earlier firmware pinned the server with, left by a run of it that died: the
     * main table would send the server to that gateway still. A unicast route only: an unreachable
     * route of {@link FailClosedRoutes}'s carries the same protocol.
     */
    private static void removeEarlierFirmwaresRoute(AdminCommands ip, String to) throws IOException {
        try {
            ip.run(null, "ip", "-4", "route", "del", "unicast", to, "proto", PROTO);
            LOG.info("an earlier firmware's host route to the tunnel server {} removed", to);
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No such process")) { // the kernel's ESRCH: none
                throw e;
            }
        }
    }

    /** Removes the rules (the default route through the tunnel has gone with its device). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int r = rules.length - 1; r >= 0; r--) { // the unreachable rule first: never left alone
            try {
                removeAll(ip, rules[r]);
            } catch (IOException e) {
                // The next pin removes it, whatever its server (ip timed out on a busy board, say).
                LOG.debug("removing the rule {}: {}", String.join(" ", rules[r]), e.getMessage());
            }
        }
    }

    /** Ours only, by its whole selector. */
    private static void removeAll(AdminCommands ip, String[] rule) throws IOException {
        for (int i = 0; i < 64; i++) { // a killed run's, twice perhaps (kernels before 4.15 took copies), or several servers
            try {
                ip.run(null, command("del", rule));
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).contains("No such file or directory")) {
                    return; // none (left): the kernel's ENOENT
                }
                throw e;
            }
        }
    }

    private static String[] command(String verb, String[] rule) {
        String[] c = new String[4 + rule.length];
        c[0] = "ip";
        c[1] = "-4";
        c[2] = "rule";
        c[3] = verb;
        System.arraycopy(rule, 0, c, 4, rule.length);
        return c;
    }
}
