package org.homerouter.bridge.alg;

import org.homerouter.bridge.admin.AdminCommands;
import org.homerouter.pptp.alg.PublicAddressResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masquerade's choice of source address for a server, asked of the kernel's routing table
 * ({@code ip -o route get SERVER}: the route's preferred source), so the ALG's GRE SNAT leaves
 * from the same address as the control connection.
 */
public final class RouteSourceAddress implements PublicAddressResolver {
    private static final Pattern SRC = Pattern.compile("\\bsrc (\\d+\\.\\d+\\.\\d+\\.\\d+)");
    private final AdminCommands ip;

    /** @param netns ask the routing table of this namespace, or null for our own */
    public RouteSourceAddress(String netns) {
        this.ip = new AdminCommands(netns);
    }

    @Override
    public Inet4Address publicAddressFor(Inet4Address server) {
        try {
            String route = ip.run(null, "ip", "-4", "-o", "route", "get", server.getHostAddress());
            Matcher m = SRC.matcher(route);
            if (!m.find()) {
                throw new IOException("no source address in: " + route.trim());
            }
            return (Inet4Address) InetAddress.getByName(m.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException("alg: no route to " + server.getHostAddress(), e);
        }
    }
}
