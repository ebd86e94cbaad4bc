package org.homerouter.bridge.route;

import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "unreachable" routes for networks that must only ever be reached through a tunnel: a
 * site-to-site dial-out's remote networks, those behind a branch office's account, and the VPN
 * server's tunnel network (its clients' addresses, each routed only while its session lasts). Their
 * metric is above the tunnel's own routes, which therefore win while the tunnel is up; while it is
 * down (before it first comes up, between redials, while the other side cannot be reached) the
 * tunnel's routes are gone with its device, and without these the networks' packets followed the
 * default route out of the WAN, unencrypted. Now the sender gets "network unreachable" instead.
 * The routes outlive the service on purpose (a restart must not open that window either); the
 * next start takes them over, and a network no longer routed anywhere gets its route removed.
 */
public final class FailClosedRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(FailClosedRoutes.class);
    /** Above any metric a tunnel's or an administrator's route usually has. */
    static final String METRIC = "4242";

    private final AdminCommands ip;
    private final Set<String> kept = new LinkedHashSet<>();

    /**
     * Takes over every such route already there (an earlier run's, or the ones the router image's
     * {@code homerouter-hold} put in at boot, see {@link BootHold}); {@link #keep} then removes those
     * no longer wanted. They were flushed here before: the networks were open from that moment until
     * keep put them back.
     *
     * @param netns run in this namespace ({@code ip netns exec}), or null for our own
     */
    public FailClosedRoutes(String netns) throws IOException {
        this(new AdminCommands(netns));
    }

    /** As {@link #FailClosedRoutes(String)}, its commands run by {@code commands} (tests: a busy board's, failing). */
    public FailClosedRoutes(AdminCommands commands) throws IOException {
        ip = commands;
        String shown = ip.run(null, "ip", "-4", "route", "show", "type", "unreachable", "proto", HostRoutePin.PROTO);
        for (String line : shown.split("\n")) {
            // "unreachable 10.2.0.0/24 metric 4242", or a bare address for a /32 ("type" is not repeated
            // by every version of ip: the first word that is an address is the network).
            for (String word : line.trim().split("\\s+")) {
                if (word.matches("(\\d{1,3}\\.){3}\\d{1,3}(/\\d{1,2})?")) {
                    kept.add(word.contains("/") ? word : word + "/32");
                    break;
                }
            }
        }
        if (!kept.isEmpty()) {
            LOG.info("unreachable routes already in place (an earlier run's, or the boot's hold): {}", kept);
        }
    }

    /**
     * Keeps exactly {@code networks} (CIDR prefixes, e.g. {@code 10.20.1.0/24}) unreachable outside
     * their tunnels: adds the missing routes, removes those no longer wanted.
     *
     * @throws IOException when a route could not be added or removed (the others are as wanted;
     *                     the next call tries again)
     */
    public synchronized void keep(Collection<String> networks) throws IOException {
        Set<String> wanted = new LinkedHashSet<>(networks);
        IOException failed = null;
        for (String network : Set.copyOf(kept)) {
            if (!wanted.contains(network)) {
                try {
                    ip.run(null, "ip", "-4", "route", "del", "unreachable", network, "metric", METRIC,
                            "proto", HostRoutePin.PROTO);
                } catch (IOException e) {
                    // Only the kernel's "none" (ESRCH) is gone. Forgotten on any failure (ip timed
                    // out on a busy board), the route stayed and nothing tried again: the network
                    // was unreachable every way, its tunnel's too, until the next start.
                    if (!String.valueOf(e.getMessage()).contains("No such process")) {
                        failed = e;
                        continue;
                    }
                }
                kept.remove(network);
                LOG.info("{} is no longer kept unreachable outside a tunnel", network);
            }
        }
        for (String network : wanted) {
            if (kept.contains(network)) {
                continue;
            }
            try {
                ip.run(null, "ip", "-4", "route", "replace", "unreachable", network, "metric", METRIC,
                        "proto", HostRoutePin.PROTO);
                kept.add(network);
                LOG.info("{} is reached only through its tunnel: unreachable while the tunnel is down", network);
            } catch (IOException e) {
                failed = e;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** The networks kept unreachable outside their tunnels now. */
    public synchronized Set<String> kept() {
        return Set.copyOf(kept);
    }
}
