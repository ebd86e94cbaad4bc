package org.homerouter.pptp.auth;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.homerouter.pptp.control.ClientSource;

/**
 * The networks ({@link #near}) each user name logged in from recently, with the time of the last
 * success from there, so that a name locked by someone else's guesses still lets its owner in from
 * home, the office or their phone's carrier (what fail2ban's ignoreip and AD FS Extranet Smart
 * Lockout's "familiar locations" do).
 *
 * <p>Only a right password adds to it, so a flood cannot grow it; it is bounded all the same: the
 * name that logged in least recently is forgotten first, and each name keeps its {@value
 * #PER_NAME} most recent sources. Not thread-safe: {@link AuthFailureLockout} holds its lock.
 */
final class FamiliarSources {
    /** How long a success makes its source familiar: a month covers a laptop used once a fortnight. */
    static final Duration FOR = Duration.ofDays(30);
    /** Sources kept per name: home, office, phone's carrier, a few hotels. */
    static final int PER_NAME = 8;
    /** Names kept; each had to log in, so this is the router's accounts, with room to spare. */
    static final int NAMES = 1024;

    /** In order of each name's last success, the least recent first; inside, its sources the same. */
    private final Map<String, Map<String, Long>> byName = new LinkedHashMap<>();

    /**
     * Where a login's address counts as familiar, and how it is named: the address's /24 for IPv4
     * ({@code 198.51.100.0/24}), its /64 for IPv6 (as {@link ClientSource#label}). A phone on
     * carrier-grade NAT is given another public address of the carrier's pool from one connection
     * to the next, mostly nearby; familiar at its exact address only, the owner was refused like
     * anyone else from its next one, and a guesser kept the name locked with one guess per lockout.
     * A /24, the smallest block routed on the internet, belongs to one operator: it rarely holds a
     * guesser too, and one that it does gets no free guesses there (see {@link AuthFailureLockout}).
     * The only place addresses are compared: logins here and from the history read at start, and
     * lookups, all go through it.
     */
    static String near(InetAddress source) {
        if (source instanceof Inet4Address v4) {
            byte[] a = v4.getAddress();
            return (a[0] & 0xFF) + "." + (a[1] & 0xFF) + "." + (a[2] & 0xFF) + ".0/24";
        }
        return ClientSource.label(source);
    }

    /** {@code userName} logged in from {@code address} at {@code at} (the clock's nanos). */
    void loggedIn(String userName, InetAddress address, long at) {
        String source = near(address);
        Map<String, Long> sources = byName.remove(userName);
        if (sources == null) {
            sources = new LinkedHashMap<>();
            if (byName.size() >= NAMES) {
                byName.remove(byName.keySet().iterator().next());
            }
        }
        byName.put(userName, sources);
        Long before = sources.remove(source);
        // A success seeded from the history may be older than one already known: keep the later.
        sources.put(source, before != null && before - at > 0 ? before : at);
        if (sources.size() > PER_NAME) {
            Iterator<String> eldest = sources.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    /** {@code userName}'s password changed, or the account was disabled or deleted: where it logged in before counts no more. */
    void forget(String userName) {
        byName.remove(userName);
    }

    /** Every name's sources: the accounts that logged in are gone (a factory reset). */
    void forgetAll() {
        byName.clear();
    }

    /** Whether {@code userName} logged in {@link #near} {@code address} less than {@link #FOR} before {@code now}. */
    boolean knows(String userName, InetAddress address, long now) {
        Map<String, Long> sources = byName.get(userName);
        Long at = sources == null ? null : sources.get(near(address));
        return at != null && now - at < FOR.toNanos();
    }
}
