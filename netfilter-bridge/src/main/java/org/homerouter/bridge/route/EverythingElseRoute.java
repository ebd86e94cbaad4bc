package org.homerouter.bridge.route;

import java.io.IOException;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The site-to-site tunnel's "everything else": a default route into its device in the table of its
 * own that {@link DefaultRouteFailClosed}'s rules consult after the main table, not in the main
 * table, where the router's own VPN server's answers to remote workers would follow it into the
 * office. Like the tunnel's other routes it belongs to the device: the kernel deletes it, in
 * every table, when the device goes, and the table is empty again while the tunnel is down.
 */
public final class EverythingElseRoute {
    private static final Logger LOG = LoggerFactory.getLogger(EverythingElseRoute.class);
    private final AdminCommands ip;

    /** @param netns run in this namespace ({@code ip netns exec}), or null for our own */
    public EverythingElseRoute(String netns) {
        ip = new AdminCommands(netns);
    }

    /**
     * {@code ip route replace default dev DEVICE table 4244}: "replace", so that a route an earlier
     * tunnel's device left (one not yet gone) is taken over.
     */
    public void into(String device) throws IOException {
        ip.run(null, "ip", "-4", "route", "replace", "default", "dev", device, "table", DefaultRouteFailClosed.TABLE);
        LOG.info("{}: everything else into the tunnel (table {})", device, DefaultRouteFailClosed.TABLE);
    }
}
