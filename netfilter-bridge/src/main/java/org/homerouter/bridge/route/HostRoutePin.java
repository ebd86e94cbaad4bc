package org.homerouter.bridge.route;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host route to a tunnel's server through the path it takes now, added before a default route
 * is sent into that tunnel: otherwise the tunnel's own control and GRE packets would follow the new
 * default route into the tunnel itself. This is pptp's and pppd's "route to the server stays on the
 * old gateway" trick. If the server is reachable only through a tunnel already, pinning is refused:
 * the default route would then loop.
 */
public final class HostRoutePin implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostRoutePin.class);
    private static final Pattern VIA = Pattern.compile("\\bvia (\\S+)");
    private static final Pattern DEV = Pattern.compile("\\bdev (\\S+)");
    /** The routing protocol number our pins carry, to tell them from an administrator's routes. */
    static final String PROTO = "99";

    private final AdminCommands ip;
    /** The route added, or null when a host route of the administrator's was there already. */
    private final List<String> route;
    private boolean closed;

    private HostRoutePin(AdminCommands ip, List<String> route) {
        this.ip = ip;
        this.route = route;
    }

    /**
     * Pins {@code host}/32 to the route the kernel takes to it now ({@code ip route get}).
     *
     * @param netns      run in this namespace ({@code ip netns exec}), or null for our own
     * @param tunnelDevice says which interfaces are tunnels: a path through one of them is refused
     * @throws IOException when there is no route to the host, or only one through a tunnel
     */
    public static HostRoutePin pin(String netns, Inet4Address host, Predicate<String> tunnelDevice) throws IOException {
        AdminCommands ip = new AdminCommands(netns);
        String address = host.getHostAddress();
        // -N: the protocol as its number ("proto 99"), not the name some iproute2 versions give it.
        String existing = ip.run(null, "ip", "-N", "-4", "-o", "route", "show", "exact", address + "/32");
        boolean administrators = !existing.isBlank() && !existing.contains("proto " + PROTO);
        if (!existing.isBlank() && !administrators) {
            // One of ours, left by a run that died: the path is looked up afresh without it (the
            // gateway may have changed since).
            ip.run(null, "ip", "-4", "route", "del", address + "/32", "proto", PROTO);
        }
        String path;
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
        if (administrators) {
            // The administrator's own host route: it pins the server already, and is theirs to keep.
            LOG.info("route to the tunnel server {}: the existing host route is kept", address);
            return new HostRoutePin(ip, null);
        }
        List<String> route = new ArrayList<>(List.of(address + "/32"));
        Matcher via = VIA.matcher(path);
        if (via.find()) {
            route.addAll(List.of("via", via.group(1)));
        }
        route.addAll(List.of("dev", dev.group(1), "proto", PROTO));
        List<String> replace = new ArrayList<>(List.of("ip", "-4", "route", "replace"));
        replace.addAll(route);
        ip.run(null, replace.toArray(String[]::new));
        LOG.info("route to the tunnel server pinned: {}", String.join(" ", route));
        return new HostRoutePin(ip, route);
    }

    /** Removes the host route (the default route through the tunnel has gone with its device). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed || route == null) {
            return;
        }
        closed = true;
        List<String> del = new ArrayList<>(List.of("ip", "-4", "route", "del"));
        del.addAll(route);
        try {
            ip.run(null, del.toArray(String[]::new));
        } catch (IOException e) {
            LOG.debug("removing the pinned route {}: {}", route, e.getMessage());
        }
    }
}
