package org.homerouter.webui.api;

import java.util.Optional;

/**
 * The router's own address on its LAN, a /24 whose .100–.199 its DHCP server hands out: set on the
 * LAN page, taken by the router image at its next start (networkd reads it before the network
 * comes up). A router put behind a provider's box that uses the same network as this LAN (the
 * image's 192.168.1.1/24 is the commonest of all) works only once one of the two moves.
 */
public interface LanSettings {
    int PREFIX = 24;
    /** The DHCP pool's first and last host number in the /24 (the image's networkd PoolOffset=100, PoolSize=100). */
    int POOL_FIRST = 100;
    int POOL_LAST = 199;
    String DEFAULT_ADDRESS = "192.168.1.1";

    /** Why this copy of the service does not set the LAN (it runs outside the router image), or empty. */
    Optional<String> notSettable();

    /** The saved address, as 192.168.1.1. */
    String address();

    /** Whether the LAN has the saved address now; false: it takes it at the router's next restart. */
    boolean inEffect();

    /**
     * Saves {@code address} (its form checked by {@link #formProblem}) for the next restart.
     *
     * @throws SettingRefused when it overlaps another of the router's networks, or the inbound
     *                        forward's server would be outside it (the message says which)
     */
    void set(String address, String from);

    /** The LAN whose router has {@code address} (a valid one): its /24. */
    static Subnet network(String address) {
        return new Subnet("the LAN", Ipv4.parse(address), PREFIX);
    }

    /** What is wrong with {@code address} as a LAN address, in words for the owner, or empty. */
    static Optional<String> formProblem(String address) {
        if (!Ipv4.valid(address)) {
            return Optional.of("Not an IPv4 address such as 192.168.2.1.");
        }
        int a = Ipv4.parse(address);
        if (!Ipv4.rfc1918(a)) {
            return Optional.of("A LAN uses private addresses: 10.x.x.x, 172.16–31.x.x or 192.168.x.x.");
        }
        int host = a & 0xFF;
        if (host == 0 || host == 255 || host >= POOL_FIRST && host <= POOL_LAST) {
            return Optional.of("The router's address ends in 1–99 or 200–254: .0 and .255 are the network's own, and "
                    + "the router hands out ." + POOL_FIRST + "–." + POOL_LAST + " to the LAN's computers.");
        }
        return Optional.empty();
    }

    /** For a backend whose router has no LAN of its own to set. */
    LanSettings NONE = new LanSettings() {
        @Override
        public Optional<String> notSettable() {
            return Optional.of("This router's LAN is not set from this page.");
        }

        @Override
        public String address() {
            return DEFAULT_ADDRESS;
        }

        @Override
        public boolean inEffect() {
            return true;
        }

        @Override
        public void set(String address, String from) {
            throw new IllegalStateException(notSettable().orElseThrow());
        }
    };
}
