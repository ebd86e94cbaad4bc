package org.homerouter.appliance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether PPTP clients from the internet reach this router at all, for the owner of a router whose
 * remote clients "cannot connect": with none since the service started, the clients' attempts stop
 * before the router (a router in front that does not forward TCP 1723, a provider that blocks it, a
 * client dialling an old address), which nothing else on the router can show. Only connections that
 * placed a call (Outgoing-Call-Request) count: every TCP connection did, and the port scanners that
 * reach any address on the internet every few minutes read as "a connection reached this router
 * 2 minutes ago" to an owner whose clients' never did. Calls from the LAN do not count: an owner
 * testing from the LAN connects, which says nothing about the internet. A call counts whether or
 * not the server then accepts it.
 */
final class InternetReach {
    /**
     * Elapsed time, not the time of day: a board without a battery clock starts in 1970 or where it
     * stopped and steps forward when its time server answers, which made "since ... 20,000 days ago".
     */
    private final LongSupplier elapsedMillis;
    private volatile long since;
    private volatile Seen last;

    private record Seen(Inet4Address from, long at) {
    }

    InternetReach(LongSupplier elapsedMillis) {
        this.elapsedMillis = elapsedMillis;
        this.since = elapsedMillis.getAsLong();
    }

    /**
     * The VPN server started listening (at start, after a restart for new settings, once a port it
     * could not have is free): "none since" counts from here, not from before it could be reached.
     */
    void listening() {
        since = elapsedMillis.getAsLong();
    }

    /** A client at {@code source} placed a call (ControlServer#onCallPlaced). */
    void callPlaced(InetAddress source) {
        if (source instanceof Inet4Address v4 && fromTheInternet(v4)) {
            last = new Seen(v4, elapsedMillis.getAsLong());
        }
    }

    /**
     * A public unicast IPv4 source: not a private (RFC 1918), shared (RFC 6598: carrier-grade NAT,
     * a LAN behind another router), loopback, link-local, multicast or reserved address. An
     * upstream router that forwards the port keeps the client's source, so a forwarded connection
     * counts; the LAN's and the VPN clients' (a private pool) do not.
     */
    static boolean fromTheInternet(Inet4Address a) {
        int first = a.getAddress()[0] & 0xFF;
        return !(a.isSiteLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
                || a.isMulticastAddress() || ClientReach.sharedAddressSpace(a) || first == 0 || first >= 240);
    }

    /** One sentence for the Dashboard's "clients dial" note. */
    String describe() {
        long now = elapsedMillis.getAsLong();
        Seen s = last;
        if (s == null) {
            return "No client on the internet has placed a PPTP call with this router since the VPN server started "
                    + ago(now - since) + " (connections that placed none, such as port scanners', do not count): if a"
                    + " client outside tried meanwhile, its attempt stopped before this router (check the address it"
                    + " dials, and what stands in front of this router).";
        }
        return "A client on the internet last placed a PPTP call with this router " + ago(now - s.at) + ", from "
                + s.from.getHostAddress() + " (connections that placed none, such as port scanners', do not count).";
    }

    private static String ago(long millis) {
        Duration d = Duration.ofMillis(Math.max(0, millis));
        if (d.toMinutes() < 1) {
            return "less than a minute ago";
        }
        if (d.toHours() < 1) {
            return plural(d.toMinutes(), "minute") + " ago";
        }
        if (d.toDays() < 1) {
            return plural(d.toHours(), "hour") + " ago";
        }
        return plural(d.toDays(), "day") + " ago";
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
