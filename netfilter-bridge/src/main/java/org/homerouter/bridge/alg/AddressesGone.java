package org.homerouter.bridge.alg;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which public addresses of passthrough calls the router no longer holds: their calls are over.
 * An address counts only once the router was seen holding it: a call NATed to an address on no
 * interface (an {@code snat to} a routed block) never ends so. One that goes is gone once another
 * address has come in its place and it has stayed away for {@link #GRACE} (a DHCP renewal to
 * another address), or once it has stayed away for {@link #LONG_GRACE} with none in its place. A
 * WAN address that goes and comes back (a lease dropped and got again on a carrier blip, a modem
 * rebooting for a minute or two) keeps its calls: their GRE NAT rules are stateless and the
 * control stream is followed on after the conntrack flush. Asked at each of the ALG's refreshes,
 * from its maintenance thread only.
 */
final class AddressesGone {
    /** Longer than a DHCP lease dropped and got again takes (a few seconds), a refresh or two. */
    static final Duration GRACE = Duration.ofSeconds(10);
    /** With no address in its place: longer than a modem takes to reboot and hand the same one back. */
    static final Duration LONG_GRACE = Duration.ofMinutes(3);

    private final Map<Inet4Address, Long> missingSince = new HashMap<>();
    /** For each address in use, the router's addresses when it was last seen held. */
    private final Map<Inet4Address, Set<Inet4Address>> heldWith = new HashMap<>();

    /**
     * @param inUse the public addresses tracked connections were NATed to
     * @param held  the router's addresses now
     * @param now   {@link System#nanoTime()}
     * @return the addresses in use that are gone, as above
     */
    Set<Inet4Address> gone(Set<Inet4Address> inUse, Set<Inet4Address> held, long now) {
        heldWith.keySet().removeIf(a -> !inUse.contains(a));
        missingSince.keySet().removeIf(a -> !inUse.contains(a) || held.contains(a));
        Set<Inet4Address> gone = new HashSet<>();
        for (Inet4Address a : inUse) {
            if (held.contains(a)) {
                heldWith.put(a, Set.copyOf(held));
                continue;
            }
            Set<Inet4Address> before = heldWith.get(a);
            if (before == null) {
                continue; // never seen held: not the router's own address to lose
            }
            long away = now - missingSince.computeIfAbsent(a, x -> now);
            boolean replaced = held.stream().anyMatch(h -> !before.contains(h));
            if (away >= LONG_GRACE.toNanos() || replaced && away >= GRACE.toNanos()) {
                gone.add(a);
                missingSince.remove(a);
                heldWith.remove(a);
            }
        }
        return gone;
    }
}
