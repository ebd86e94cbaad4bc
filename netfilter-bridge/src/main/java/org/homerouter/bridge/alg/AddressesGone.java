package org.homerouter.bridge.alg;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which public addresses of passthrough calls the router no longer holds, and has not for
 * {@link #GRACE}: their calls are over. A WAN address that goes and comes back within seconds (a
 * DHCP lease dropped and got again, as systemd-networkd does on a carrier blip) keeps its calls:
 * their GRE NAT rules are stateless and the control stream is followed on after the conntrack
 * flush; only an address that stays away (a renewal to another address) ends them. Asked at each
 * of the ALG's refreshes, from its maintenance thread only.
 */
final class AddressesGone {
    /** Longer than a DHCP lease dropped and got again takes (a few seconds), a refresh or two. */
    static final Duration GRACE = Duration.ofSeconds(10);

    private final Map<Inet4Address, Long> missingSince = new HashMap<>();

    /**
     * @param inUse the public addresses tracked connections were NATed to
     * @param held  the router's addresses now
     * @param now   {@link System#nanoTime()}
     * @return the addresses in use that the router has not held for {@link #GRACE}
     */
    Set<Inet4Address> gone(Set<Inet4Address> inUse, Set<Inet4Address> held, long now) {
        missingSince.keySet().removeIf(a -> !inUse.contains(a) || held.contains(a));
        Set<Inet4Address> gone = new HashSet<>();
        for (Inet4Address a : inUse) {
            if (held.contains(a)) {
                continue;
            }
            long since = missingSince.computeIfAbsent(a, x -> now);
            if (now - since >= GRACE.toNanos()) {
                gone.add(a);
                missingSince.remove(a);
            }
        }
        return gone;
    }
}
