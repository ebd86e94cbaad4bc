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
 * not the server then accepts it. Connections from the internet that this router's own limits on
 * control connections refused (ControlServer#onRefused) reached it too, and are said apart: an
 * owner whose clients were refused there read that no client had reached the router, and looked
 * for the fault in front of it.
 */
final class InternetReach {
    /**
     * Elapsed time, not the time of day: a board without a battery clock starts in 1970 or where it
     * stopped and steps forward when its time server answers, which made "since ... 20,000 days ago".
     */
    private final LongSupplier elapsedMillis;
    private volatile long since;
    private volatile Seen last;
    /** Connections from the internet refused by the limits since {@link #since}, and the last of them. */
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    private volatile Seen lastRefused;

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
        refused.set(0);
        lastRefused = null;
    }

    /** A control connection from {@code source} was refused by the limits on connections (ControlServer#onRefused). */
    void refused(InetAddress source) {
        if (source instanceof Inet4Address v4 && fromTheInternet(v4)) {
            lastRefused = new Seen(v4, elapsedMillis.getAsLong());
            refused.incrementAndGet();
        }
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
        Seen r = lastRefused;
        long refusedCount = refused.get();
        String refusals = r == null || refusedCount == 0 ? "" : plural(refusedCount, "connection") + " from the internet"
                + (refusedCount == 1 ? " was" : " were") + " refused by this router's own limits on control connections"
                + " since the VPN server started, the last " + ago(now - r.at) + " from " + r.from.getHostAddress()
                + ": they reached this router (a flood, or more clients than the limits let in at once; the"
                + " \"problem\" events on the Logs page say which limit).";
        if (s == null) {
            String none = "No client on the internet has placed a PPTP call with this router since the VPN server"
                    + " started " + ago(now - since) + " (connections that placed none, such as port scanners', do not"
                    + " count)";
            return refusals.isEmpty() ? none + ": if a client outside tried meanwhile, its attempt stopped before this"
                    + " router (check the address it dials, and what stands in front of this router)."
                    : none + "; but " + refusals;
        }
        return "A client on the internet last placed a PPTP call with this router " + ago(now - s.at) + ", from "
                + s.from.getHostAddress() + " (connections that placed none, such as port scanners', do not count)."
                + (refusals.isEmpty() ? "" : " " + Character.toUpperCase(refusals.charAt(0)) + refusals.substring(1));
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
